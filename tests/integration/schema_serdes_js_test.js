// edgestream's Confluent serdes (registry/serdes) against an independent implementation: the
// npm client @kafkajs/confluent-schema-registry (avsc, ajv, protobufjs) from tests/peers.
//   1. `edgestream gen ads --value-format avro` and the same run in JSON: every Avro value,
//      decoded by the npm client, equals its JSON twin.
//   2. `edgestream produce --registry` writes Avro, JSON Schema and Protobuf values: the npm
//      client decodes them to what was written.
//   3. The npm client encodes values into topics: `edgestream consume --registry` decodes them
//      (the Deserializer the stream engine uses).
//   node tests/integration/schema_serdes_js_test.js path/to/edgestream
'use strict';

const assert = require('assert');
const { execFileSync, spawnSync } = require('child_process');
const path = require('path');

const { withServe } = require('./serve_process');

const peers = path.join(__dirname, '../peers/node_modules');
const { SchemaRegistry, SchemaType } = require(path.join(peers, '@kafkajs/confluent-schema-registry'));
const { Kafka, logLevel } = require(path.join(peers, 'kafkajs'));

const avroClick = {
  type: 'record', name: 'Click', namespace: 'js',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'ts', type: 'long' },
    { name: 'price', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['SEARCH', 'SOCIAL'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
};
const jsonConversion = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'string' }, value: { type: 'number' }, items: { type: 'integer' } },
  required: ['id', 'value'],
};
const protoImpression = `syntax = "proto3";
package js;
message Impression {
  string id = 1;
  int64 ts = 2;
  repeated string tags = 3;
}
`;

// What each format writes for the same values (Avro nulls and defaults as avsc gives them).
const clicks = [
  { id: 'k-1', ts: 1700000000000, price: 0.25, note: null, kind: 'SEARCH', tags: [] },
  { id: 'k-2', ts: 1700000000001, price: 3, note: 'n', kind: 'SOCIAL', tags: ['a', 'b'] },
];
const conversions = [{ id: 'v-1', value: 12.5, items: 2 }, { id: 'v-2', value: 0 }];
const impressions = [{ id: 'i-1', ts: 7, tags: ['x'] }, { id: 'i-2', ts: 1700000000000, tags: [] }];

// protobufjs gives messages; as plain objects with int64 as strings and empty lists kept.
function protoObject(message) {
  return message.constructor.toObject(message, { longs: String, arrays: true, defaults: true });
}

// Objects with sorted keys, so that values compare whatever order a codec writes fields in.
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v).sort()) out[k] = canonical(v[k]);
    return out;
  }
  return v;
}

async function readAll(kafka, topic, count) {
  const consumer = kafka.consumer({ groupId: `serdes-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const values = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${topic}: ${values.length} of ${count} values`)), 60000);
    consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value);
        if (values.length === count) {
          clearTimeout(timer);
          resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  return values;
}

function es(bin, serve, args, input) {
  return execFileSync(bin, [...args, '--brokers', serve.brokers[0]],
    { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

async function generatorAvroMatchesJson(bin, serve, kafka, registry) {
  const common = ['gen', 'ads', '--events', '400', '--seed', '11', '--start-ms', '1700000000000',
    '--partitions', '1'];
  es(bin, serve, [...common, '--prefix', 'jsa-', '--value-format', 'avro', '--registry', serve.registryUrl]);
  es(bin, serve, [...common, '--prefix', 'jsj-']);
  let total = 0;
  for (const kind of ['impressions', 'clicks', 'conversions']) {
    const offsets = await kafka.admin();
    await offsets.connect();
    const [{ high }] = await offsets.fetchTopicOffsets(`jsj-${kind}`);
    await offsets.disconnect();
    const count = Number(high);
    if (count === 0) continue;
    const avro = await readAll(kafka, `jsa-${kind}`, count);
    const json = await readAll(kafka, `jsj-${kind}`, count);
    for (let i = 0; i < count; i++) {
      assert.strictEqual(avro[i][0], 0, 'magic byte');
      const decoded = { ...(await registry.decode(avro[i])) };
      assert.deepStrictEqual(canonical(decoded), canonical(JSON.parse(json[i].toString())),
        `${kind} #${i}`);
    }
    total += count;
  }
  assert.ok(total >= 400, `${total} values compared`);
  console.log(`checked: ${total} values of gen ads --value-format avro, decoded by the npm ` +
    'client (avsc), equal their JSON twins of the same seed');
}

async function producedByEdgestream(bin, serve, kafka, registry) {
  await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(avroClick) },
    { subject: 'es-clicks-value' });
  await registry.register({ type: SchemaType.JSON, schema: JSON.stringify(jsonConversion) },
    { subject: 'es-conversions-value' });
  await registry.register({ type: SchemaType.PROTOBUF, schema: protoImpression },
    { subject: 'es-impressions-value' });
  const cases = [['es-clicks', clicks], ['es-conversions', conversions], ['es-impressions', impressions]];
  for (const [topic, values] of cases) {
    const lines = values.map((v) => JSON.stringify(v)).join('\n') + '\n';
    es(bin, serve, ['produce', topic, '--registry', serve.registryUrl], lines);
    const read = await readAll(kafka, topic, values.length);
    for (let i = 0; i < values.length; i++) {
      const decoded = await registry.decode(read[i]);
      if (topic === 'es-impressions') {
        assert.deepStrictEqual(canonical(protoObject(decoded)),
          canonical({ ...values[i], ts: String(values[i].ts) }), `${topic} #${i}`);
      } else {
        assert.deepStrictEqual(canonical({ ...decoded }), canonical(values[i]), `${topic} #${i}`);
      }
    }
  }
  console.log('checked: produce --registry wrote Avro, JSON Schema and Protobuf values that the ' +
    'npm client decodes to what was written');
}

async function consumedByEdgestream(bin, serve, kafka, registry) {
  const producer = kafka.producer();
  await producer.connect();
  const ids = {
    avro: await registry.getLatestSchemaId('es-clicks-value'),
    json: await registry.getLatestSchemaId('es-conversions-value'),
    proto: await registry.getLatestSchemaId('es-impressions-value'),
  };
  const cases = [['js-clicks', ids.avro, clicks], ['js-conversions', ids.json, conversions],
    ['js-impressions', ids.proto, impressions]];
  for (const [topic, id, values] of cases) {
    const messages = [];
    for (const v of values) {
      let value = await registry.encode(id, v);
      // The npm client (3.3.0) leaves out Protobuf's message indexes (its decoder skips zero
      // bytes instead); Confluent's serializer writes [0] as one 0 byte after the id, so add it.
      if (topic === 'js-impressions') value = Buffer.concat([value.subarray(0, 5), Buffer.from([0]), value.subarray(5)]);
      messages.push({ value });
    }
    await producer.send({ topic, messages });
    const run = spawnSync(bin, ['consume', topic, '--registry', serve.registryUrl, '-e',
      '--brokers', serve.brokers[0]], { encoding: 'utf8' });
    assert.strictEqual(run.stderr, '', `consume ${topic} reported: ${run.stderr}`);
    const out = run.stdout;
    const decoded = out.trim().split('\n').map((l) => JSON.parse(l));
    assert.strictEqual(decoded.length, values.length, out);
    for (let i = 0; i < values.length; i++) {
      assert.deepStrictEqual(canonical(decoded[i]), canonical(values[i]), `${topic} #${i}: ${out}`);
    }
  }
  await producer.disconnect();
  console.log('checked: Avro, JSON Schema and Protobuf values encoded by the npm client decode ' +
    'with edgestream consume --registry (the stream engine\'s Deserializer)');
}

async function main() {
  const bin = process.argv[2];
  // Each read joins a fresh group: no rebalance delay.
  await withServe(bin, 'broker:\n  group.initial.rebalance.delay.ms: 0\n', async (serve) => {
    const registry = new SchemaRegistry({ host: serve.registryUrl });
    const kafka = new Kafka({ clientId: 'serdes-js', brokers: serve.brokers, logLevel: logLevel.NOTHING });
    await generatorAvroMatchesJson(bin, serve, kafka, registry);
    await producedByEdgestream(bin, serve, kafka, registry);
    await consumedByEdgestream(bin, serve, kafka, registry);
  }, { registry: true });
}

main().catch((e) => {
  console.error('FAIL:', e);
  process.exit(1);
});
