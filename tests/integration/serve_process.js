// `edgestream serve` as a child process for the Node.js client tests: a temporary data directory,
// free ports on 127.0.0.1, readiness from GET /v1/status/ready, stop by SIGTERM (which must exit
// 0), and the broker's log printed when a test fails.
'use strict';

const assert = require('assert');
const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, pred, ms = 60000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

class ServeProcess {
  // `yaml`: the config file's text; `options.registry`: also run the schema registry.
  constructor(bin, yaml, options = {}) {
    this.bin = bin;
    this.withRegistry = Boolean(options.registry);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-node-'));
    this.logPath = path.join(this.dir, 'serve.log');
    fs.writeFileSync(path.join(this.dir, 'edgestream.yaml'), yaml);
    this.serve = null;
    this.exited = null;
  }

  async ports() {
    this.kafkaPort = await freePort();
    this.adminPort = await freePort();
    if (this.withRegistry) this.registryPort = await freePort();
  }

  get registryUrl() { return `http://127.0.0.1:${this.registryPort}`; }

  get brokers() { return [`127.0.0.1:${this.kafkaPort}`]; }

  // Starts it (again, after stop(), on the same ports and data) and waits until it is ready.
  async start() {
    if (!this.kafkaPort) await this.ports();
    this.exited = null;
    const log = fs.openSync(this.logPath, 'a');
    this.serve = spawn(this.bin, ['serve', '--data-dir', path.join(this.dir, 'data'),
      '--kafka-addr', `127.0.0.1:${this.kafkaPort}`, '--admin-addr', `127.0.0.1:${this.adminPort}`,
      '--registry-addr', this.withRegistry ? `127.0.0.1:${this.registryPort}` : 'off',
      '--shards', '2', '--config', path.join(this.dir, 'edgestream.yaml')],
    { stdio: ['ignore', log, log] });
    this.serve.on('exit', (code) => { this.exited = code; });
    for (let i = 0; i < 300 && !(await ready(this.adminPort)); i++) await sleep(100);
  }

  async stop() {
    this.serve.kill('SIGTERM');
    for (let i = 0; i < 100 && this.exited === null; i++) await sleep(100);
    assert.strictEqual(this.exited, 0, 'serve must exit 0 on SIGTERM');
  }

  cleanup() {
    if (this.serve && this.exited === null) this.serve.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  log() { return fs.readFileSync(this.logPath, 'utf8'); }
}

// Runs `body(serve)` against a started broker, then checks that SIGTERM exits 0; on failure
// prints the error and the broker's log and exits 1.
async function withServe(bin, yaml, body, options = {}) {
  const serve = new ServeProcess(bin, yaml, options);
  try {
    await serve.start();
    await body(serve);
    await serve.stop();
    console.log('checked: SIGTERM exit code 0');
  } catch (e) {
    console.error('FAIL:', e);
    console.error('--- serve.log ---\n' + serve.log());
    serve.cleanup();
    process.exit(1);
  }
  serve.cleanup();
}

module.exports = { ServeProcess, withServe, sleep, until };
