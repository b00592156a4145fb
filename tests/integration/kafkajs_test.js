// kafkajs (the Node.js Kafka client, from tests/peers) against `edgestream serve`: admin calls,
// a producer, and group consumers that join, leave and ride out a broker restart.
//   node tests/integration/kafkajs_test.js path/to/edgestream
'use strict';

const assert = require('assert');
const path = require('path');

const { withServe, sleep, until } = require('./serve_process');

const { Kafka, logLevel, CompressionTypes } = require(path.join(__dirname, '../peers/node_modules/kafkajs'));


// Consumer groups: members join and leave, every message is consumed, the committed offsets
// are what kafkajs admin reads back, and a broker restart in the middle loses nothing.
async function consumerGroups(kafka, start, stop) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'js-group', numPartitions: 4 }], waitForLeaders: true });
  await admin.disconnect();
  const seen = new Map();  // value -> times consumed
  const members = [];
  const join = async (name) => {
    const consumer = kafka.consumer({ groupId: 'js-group-1', sessionTimeout: 6000, heartbeatInterval: 500,
      rebalanceTimeout: 10000, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'js-group', fromBeginning: true });
    await consumer.run({ autoCommitInterval: 100, eachMessage: async ({ message }) => {
      const v = message.value.toString();
      seen.set(v, (seen.get(v) || 0) + 1);
    } });
    members.push({ name, consumer });
  };
  const produce = async (from, count) => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'js-group', acks: -1,
      messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `v${from + i}` })) });
    await producer.disconnect();
  };
  const consumed = (n) => {
    for (let i = 0; i < n; i++) if (!seen.has(`v${i}`)) return false;
    return true;
  };

  await join('a');
  await join('b');
  await produce(0, 200);
  await until('200 messages consumed by two members', () => consumed(200));
  await join('c');  // a member comes: a rebalance
  await produce(200, 200);
  await until('400 messages after a member joined', () => consumed(400));
  const leaving = members.shift();  // a member goes: another rebalance
  await leaving.consumer.disconnect();
  await produce(400, 200);
  await until('600 messages after a member left', () => consumed(600));
  console.log('checked: kafkajs group consumers joined and left, 600 messages consumed');

  // The broker restarts under the running group; the members rejoin and carry on.
  await stop();
  await start();
  await produce(600, 200);
  await until('800 messages across a broker restart', () => consumed(800));
  console.log('checked: the group carried on across a broker restart, 800 messages consumed');

  await until('committed offsets to reach the end', async () => {
    const a = kafka.admin();
    await a.connect();
    const offsets = await a.fetchOffsets({ groupId: 'js-group-1', topics: ['js-group'] });
    await a.disconnect();
    const committed = offsets[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    return committed === 800;
  });
  console.log('checked: kafkajs admin fetchOffsets reads back the committed offsets (sum 800)');
  for (const m of members) await m.consumer.disconnect();
}

async function main() {
  // Short group timeouts so that rebalances take a second, not Kafka's default delays.
  const yaml = 'broker:\n  group.initial.rebalance.delay.ms: 100\n  group.min.session.timeout.ms: 1000\n';
  await withServe(process.argv[2], yaml, async (serve) => {
    const kafkaPort = serve.kafkaPort;
    const kafka = new Kafka({ clientId: 'kafkajs-test', brokers: serve.brokers,
      logLevel: logLevel.NOTHING, retry: { retries: 3 } });

    const admin = kafka.admin();
    await admin.connect();
    assert.strictEqual(await admin.createTopics({
      topics: [{ topic: 'js-topic', numPartitions: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      waitForLeaders: true,
    }), true);
    assert.ok((await admin.listTopics()).includes('js-topic'));
    const meta = await admin.fetchTopicMetadata({ topics: ['js-topic'] });
    assert.strictEqual(meta.topics[0].partitions.length, 3);
    const cluster = await admin.describeCluster();
    assert.strictEqual(cluster.brokers.length, 1);
    assert.strictEqual(cluster.brokers[0].port, kafkaPort);
    const configs = await admin.describeConfigs({ resources: [{ type: 2, name: 'js-topic' }], includeSynonyms: false });
    const policy = configs.resources[0].configEntries.find((e) => e.configName === 'cleanup.policy');
    assert.strictEqual(policy.configValue, 'compact');
    console.log('checked: kafkajs admin createTopics, listTopics, fetchTopicMetadata, describeCluster, describeConfigs');

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (const compression of [CompressionTypes.None, CompressionTypes.GZIP]) {
      const result = await producer.send({
        topic: 'js-topic', acks: -1, compression,
        messages: Array.from({ length: 100 }, (_, i) => ({
          key: `k${i}`, value: `v${i}`, partition: i % 3, headers: { origin: 'kafkajs' },
        })),
      });
      for (const r of result) assert.strictEqual(r.errorCode, 0);
    }
    await producer.disconnect();
    const offsets = await admin.fetchTopicOffsets('js-topic');
    const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    assert.strictEqual(total, 200);
    console.log('checked: kafkajs producer sent 200 messages (none, gzip; acks=-1) and fetchTopicOffsets counts them');

    await admin.createPartitions({ topicPartitions: [{ topic: 'js-topic', count: 4 }] });
    const grown = await admin.fetchTopicMetadata({ topics: ['js-topic'] });
    assert.strictEqual(grown.topics[0].partitions.length, 4);
    await admin.deleteTopics({ topics: ['js-topic'] });
    assert.ok(!(await admin.listTopics()).includes('js-topic'));
    console.log('checked: kafkajs createPartitions and deleteTopics');
    await admin.disconnect();

    // A restart as an operator's rolling restart would: SIGTERM, then start on the same data.
    await consumerGroups(kafka, () => serve.start(), () => serve.stop());
  });
}

main();
