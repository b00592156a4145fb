// kafkajs (the Node.js Kafka client, from tests/peers) transactions against `edgestream serve`:
// a transactional producer commits and aborts, sendOffsets commits group offsets only with a
// committed transaction, read_committed consumers see only committed records, and a second
// producer with the same transactionalId fences the first.
//   node tests/integration/kafkajs_txn_test.js path/to/edgestream
'use strict';

const assert = require('assert');
const path = require('path');

const { withServe, sleep, until } = require('./serve_process');

const { Kafka, logLevel } = require(path.join(__dirname, '../peers/node_modules/kafkajs'));


const numbered = (prefix, n) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

// Reads `topic` from the beginning with a group consumer of the given isolation until `expect`
// records arrived, then a little longer to catch extra ones; returns [{partition, value}].
async function readAll(kafka, topic, groupId, readUncommitted, expect) {
  const got = [];
  const consumer = kafka.consumer({ groupId, readUncommitted, sessionTimeout: 6000,
    heartbeatInterval: 500, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => {
    got.push({ partition, value: message.value.toString() });
  } });
  await until(`${expect} records from ${topic} (${readUncommitted ? 'read_uncommitted' : 'read_committed'})`,
    () => got.length >= expect);
  await sleep(1500);
  await consumer.disconnect();
  return got;
}

async function transactions(kafka) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'js-txn', numPartitions: 2 }, { topic: 'js-txn-src', numPartitions: 1 }],
    waitForLeaders: true });
  const plain = kafka.producer();
  await plain.connect();
  await plain.send({ topic: 'js-txn-src', acks: -1, messages: numbered('src-', 10).map((value) => ({ value })) });
  await plain.disconnect();

  const producer = kafka.producer({ transactionalId: 'js-txn-id', idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const sendAll = (t, prefix, n) => t.send({ topic: 'js-txn', acks: -1,
    messages: numbered(prefix, n).map((value, i) => ({ value, partition: i % 2 })) });
  const offsetsOf = (offset) => ({ consumerGroupId: 'js-txn-g',
    topics: [{ topic: 'js-txn-src', partitions: [{ partition: 0, offset: String(offset) }] }] });

  let t = await producer.transaction();
  await sendAll(t, 'first-', 10);
  await t.sendOffsets(offsetsOf(5));
  await t.commit();
  t = await producer.transaction();
  await sendAll(t, 'aborted-', 7);
  await t.sendOffsets(offsetsOf(9));
  await t.abort();
  t = await producer.transaction();
  await sendAll(t, 'third-', 5);
  await t.commit();
  console.log('checked: kafkajs transactions: commit (10 records + offsets), abort (7 + offsets), commit (5)');

  const committed = await readAll(kafka, 'js-txn', 'js-txn-reader-rc', false, 15);
  const values = committed.map((r) => r.value);
  assert.deepStrictEqual([...values].sort(), [...numbered('first-', 10), ...numbered('third-', 5)].sort(),
    'read_committed sees exactly the committed records');
  for (const p of [0, 1]) {
    const inPartition = committed.filter((r) => r.partition === p).map((r) => r.value);
    const expected = [...numbered('first-', 10), ...numbered('third-', 5)]
      .filter((_, i) => (i < 10 ? i : i - 10) % 2 === p);
    assert.deepStrictEqual(inPartition, expected, `partition ${p} in order`);
  }
  console.log('checked: a read_committed kafkajs consumer sees the 15 committed records in order, no aborted one');

  const all = await readAll(kafka, 'js-txn', 'js-txn-reader-ru', true, 22);
  assert.deepStrictEqual(all.map((r) => r.value).sort(),
    [...numbered('first-', 10), ...numbered('aborted-', 7), ...numbered('third-', 5)].sort(),
    'read_uncommitted sees every record, aborted ones included');
  console.log('checked: a read_uncommitted kafkajs consumer sees all 22 records');

  const offsets = await admin.fetchOffsets({ groupId: 'js-txn-g', topics: ['js-txn-src'] });
  assert.strictEqual(offsets[0].partitions.find((p) => p.partition === 0).offset, '5',
    'the group offset is the committed transaction\'s, not the aborted one\'s');
  console.log('checked: admin.fetchOffsets shows offset 5 from the committed sendOffsets, not 9 from the aborted');

  // A second producer with the same transactionalId fences the first one.
  const t2 = await producer.transaction();
  await sendAll(t2, 'zombie-', 4);
  const usurper = kafka.producer({ transactionalId: 'js-txn-id', idempotent: true, maxInFlightRequests: 1 });
  await usurper.connect();
  // kafkajs sends InitProducerId with the transactionalId on the first transaction(), not on
  // connect(): this bumps the epoch and aborts the zombie's open transaction.
  const t3 = await usurper.transaction();
  let fenced = null;
  try {
    await sendAll(t2, 'zombie-late-', 2);
    await t2.commit();
  } catch (e) {
    fenced = e;
  }
  assert.ok(fenced, 'the fenced producer must not commit');
  const why = [fenced.type, fenced.name, fenced.message, fenced.cause && fenced.cause.type,
    fenced.cause && fenced.cause.message].join(' ');
  assert.ok(/fenc|epoch/i.test(why), `a fencing error, got: ${why}`);
  await t3.send({ topic: 'js-txn', acks: -1, messages: [{ value: 'usurper-0', partition: 0 }] });
  await t3.commit();
  const after = await readAll(kafka, 'js-txn', 'js-txn-reader-rc2', false, 16);
  const afterValues = after.map((r) => r.value);
  assert.ok(afterValues.includes('usurper-0'));
  assert.ok(!afterValues.some((v) => v.startsWith('zombie-') || v.startsWith('aborted-')),
    'no record of the fenced or aborted transactions is visible');
  assert.strictEqual(after.length, 16);
  console.log(`checked: a second producer fenced the first (${fenced.type || fenced.name}); only its commit is visible`);

  await usurper.disconnect();
  await producer.disconnect().catch(() => {});
  await admin.disconnect();
}

async function main() {
  const yaml = 'broker:\n  group.initial.rebalance.delay.ms: 100\n  group.min.session.timeout.ms: 1000\n' +
    '  transaction.abort.timed.out.transaction.cleanup.interval.ms: 500\n';
  await withServe(process.argv[2], yaml, async (serve) => {
    const kafka = new Kafka({ clientId: 'kafkajs-txn-test', brokers: serve.brokers,
      logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    await transactions(kafka);
  });
}

main();
