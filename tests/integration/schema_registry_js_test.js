// The npm client @kafkajs/confluent-schema-registry (from tests/peers) against the registry
// `edgestream serve` runs: registers, encodes and decodes Avro, JSON Schema and Protobuf in the
// Confluent wire format, gets stable global ids, is refused an incompatible schema with 409, and
// finds every id again after the broker restarts (the schemas live in `_schemas`).
//   node tests/integration/schema_registry_js_test.js path/to/edgestream
'use strict';

const assert = require('assert');
const path = require('path');

const { withServe } = require('./serve_process');

const peers = path.join(__dirname, '../peers/node_modules');
const { SchemaRegistry, SchemaType } = require(path.join(peers, '@kafkajs/confluent-schema-registry'));

const clickV1 = {
  type: 'record', name: 'Click', namespace: 'ads',
  fields: [{ name: 'id', type: 'string' }, { name: 'ts', type: 'long' }],
};
const clickV2 = {
  ...clickV1,
  fields: [...clickV1.fields, { name: 'campaign', type: 'string', default: 'none' }],
};
// BACKWARD (the default) refuses it: the new reader has a field without default that v2 lacks.
const clickBad = {
  ...clickV2,
  fields: [...clickV2.fields, { name: 'region', type: 'string' }],
};
const conversionJson = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { id: { type: 'string' }, value: { type: 'number' } },
  required: ['id', 'value'],
};
const impressionProto = `syntax = "proto3";
package ads;
message Impression {
  string id = 1;
  string campaign = 2;
  int64 ts = 3;
}
`;

async function run(serve) {
  const registry = new SchemaRegistry({ host: serve.registryUrl });

  const { id: v1 } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(clickV1) }, { subject: 'clicks-value' });
  const encoded = await registry.encode(v1, { id: 'c-1', ts: 1700000000000 });
  assert.strictEqual(encoded[0], 0, 'magic byte');
  assert.strictEqual(encoded.readInt32BE(1), v1, 'schema id after the magic byte');
  // avsc decodes into an instance of the record's class: compare its fields.
  assert.deepStrictEqual({ ...(await registry.decode(encoded)) }, { id: 'c-1', ts: 1700000000000 });
  console.log(`checked: Avro registered as id ${v1}, encoded in the Confluent wire format, decoded`);

  const { id: again } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(clickV1) }, { subject: 'clicks-value' });
  const { id: elsewhere } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(clickV1) }, { subject: 'other-value' });
  assert.strictEqual(again, v1, 'registering the same schema again returns its id');
  assert.strictEqual(elsewhere, v1, 'ids are global: the same schema under another subject');
  console.log('checked: the same schema again, and under another subject, keeps its id');

  const { id: v2 } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(clickV2) }, { subject: 'clicks-value' });
  assert.notStrictEqual(v2, v1);
  assert.strictEqual(await registry.getLatestSchemaId('clicks-value'), v2);
  const old = await registry.decode(encoded);  // data written with v1 still decodes
  assert.strictEqual(old.id, 'c-1');
  let refused = null;
  try {
    await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(clickBad) }, { subject: 'clicks-value' });
  } catch (e) {
    refused = e;
  }
  assert.ok(refused, 'an incompatible schema must be refused');
  assert.strictEqual(refused.status, 409, `status ${refused.status}: ${refused.message}`);
  console.log(`checked: a compatible v2 (id ${v2}) is the latest; an incompatible one is refused ` +
    `with 409 (${refused.message.slice(0, 80)})`);

  const { id: json } = await registry.register(
    { type: SchemaType.JSON, schema: JSON.stringify(conversionJson) }, { subject: 'conversions-value' });
  const jsonEncoded = await registry.encode(json, { id: 'v-1', value: 12.5 });
  assert.deepStrictEqual(await registry.decode(jsonEncoded), { id: 'v-1', value: 12.5 });
  let invalid = null;
  try {
    await registry.encode(json, { id: 'v-2' });
  } catch (e) {
    invalid = e;
  }
  assert.ok(invalid, 'the client validates against the registered JSON schema');
  console.log(`checked: JSON Schema id ${json}: encode, decode, and validation against it`);

  const { id: proto } = await registry.register(
    { type: SchemaType.PROTOBUF, schema: impressionProto }, { subject: 'impressions-value' });
  const protoEncoded = await registry.encode(proto, { id: 'i-1', campaign: 'c-0', ts: 7 });
  const impression = await registry.decode(protoEncoded);
  assert.strictEqual(impression.id, 'i-1');
  assert.strictEqual(impression.campaign, 'c-0');
  console.log(`checked: Protobuf id ${proto}: encode (message indexes) and decode`);
  return { v1, v2, json, proto, encoded };
}

async function main() {
  const bin = process.argv[2];
  await withServe(bin, '', async (serve) => {
    const ids = await run(serve);
    await serve.stop();
    await serve.start();
    // A fresh client has no cache: everything comes from the restarted registry.
    const registry = new SchemaRegistry({ host: serve.registryUrl });
    assert.deepStrictEqual({ ...(await registry.decode(ids.encoded)) }, { id: 'c-1', ts: 1700000000000 });
    assert.strictEqual(await registry.getLatestSchemaId('clicks-value'), ids.v2);
    const { id: same } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(clickV1) }, { subject: 'clicks-value' });
    assert.strictEqual(same, ids.v1);
    const proto = await registry.getSchema(ids.proto);
    assert.ok(proto, 'the Protobuf schema is there after the restart');
    console.log('checked: after a broker restart the ids, versions and latest come back from _schemas');
  }, { registry: true });
}

main().catch((e) => {
  console.error('FAIL:', e);
  process.exit(1);
});
