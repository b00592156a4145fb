// kafkajs (the Node.js Kafka client, from tests/peers) against `edgestream serve`: admin calls
// and a producer. Its consumer needs consumer groups, which land with issue #4.
//   node tests/integration/kafkajs_test.js path/to/edgestream
'use strict';

const assert = require('assert');
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const http = require('http');

const { Kafka, logLevel, CompressionTypes } = require(path.join(__dirname, '../peers/node_modules/kafkajs'));

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function ready(port) {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/v1/status/ready', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on('error', () => resolve(false));
  });
}

async function main() {
  const bin = process.argv[2];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-kafkajs-'));
  const kafkaPort = await freePort();
  const adminPort = await freePort();
  const log = fs.openSync(path.join(dir, 'serve.log'), 'a');
  const serve = spawn(bin, ['serve', '--data-dir', path.join(dir, 'data'),
    '--kafka-addr', `127.0.0.1:${kafkaPort}`, '--admin-addr', `127.0.0.1:${adminPort}`,
    '--shards', '2'], { stdio: ['ignore', log, log] });
  let exited = null;
  serve.on('exit', (code) => { exited = code; });
  const cleanup = () => {
    if (exited === null) serve.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < 300 && !(await ready(adminPort)); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const kafka = new Kafka({ clientId: 'kafkajs-test', brokers: [`127.0.0.1:${kafkaPort}`],
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

    serve.kill('SIGTERM');
    for (let i = 0; i < 100 && exited === null; i++) await new Promise((r) => setTimeout(r, 100));
    assert.strictEqual(exited, 0, 'serve must exit 0 on SIGTERM');
    console.log('checked: SIGTERM exit code 0');
  } catch (e) {
    console.error('FAIL:', e);
    console.error('--- serve.log ---\n' + fs.readFileSync(path.join(dir, 'serve.log'), 'utf8'));
    cleanup();
    process.exit(1);
  }
  cleanup();
}

main();
