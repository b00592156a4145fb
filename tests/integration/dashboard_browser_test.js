// The dashboard page (web/) in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core from tests/peers), against `edgestream serve` with kafkajs producing records
// and a consumer group that commits and is then stopped, and an `edgestream run window-count`
// job on the same topic: the live figures move, the topic appears, the stopped group turns
// STALL or STOP, the alert shows, the job shows with its operators. Screenshots go to the test's
// temp dir and, when SCREENSHOT_DIR is set, there too (docs/img/dashboard.png comes from it).
//   node tests/integration/dashboard_browser_test.js path/to/edgestream
// With --fixture it serves web/ itself with synthetic /v1 JSON and server-sent events that
// change every second (no broker): empty states, every view, the polling fallback when the
// stream drops, and the reconnect.
//   node tests/integration/dashboard_browser_test.js --fixture
'use strict';

const { spawn } = require('child_process');

const assert = require('assert');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const peers = path.join(__dirname, '../peers/node_modules');
const { chromium } = require(path.join(peers, 'playwright-core'));

const web = path.join(__dirname, '../../web');
const CHROMIUM = '/usr/bin/chromium';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const num = (text) => parseFloat(String(text).replace(/,/g, ''));

// ---------- browser helpers ----------

async function openBrowser() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
}

// Opens the page and collects its errors (uncaught exceptions, console errors, failed assets).
async function openPage(browser, url) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // A dropped stream or a refused poll logs a failed /v1/ request: that is the case under test.
  page.on('console', (m) => {
    if (m.type() === 'error' && !(m.location().url || '').includes('/v1/')) errors.push(`console: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().includes('/v1/')) errors.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  let response = null;
  try {
    response = await page.goto(url, { waitUntil: 'load' });
  } catch (e) {
    throw new Error(`the dashboard page is not served at ${url}: ${e.message.split('\n')[0]}`);
  }
  assert.ok(response && response.ok(), `GET ${url} answers 200 (got ${response && response.status()})`);
  const hasUplot = await page.evaluate(() => typeof window.uPlot === 'function');
  assert.ok(hasUplot, 'uPlot loads from /assets/uPlot.iife.min.js');
  return { page, errors };
}

async function waitFor(page, what, fn, arg, ms = 15000) {
  try {
    await page.waitForFunction(fn, arg, { timeout: ms, polling: 200 });
  } catch (e) {
    throw new Error(`timed out after ${ms} ms waiting for ${what}`);
  }
}

const text = (page, selector) => page.$eval(selector, (e) => e.textContent.trim());

async function screenshots(page, dir, name) {
  const file = path.join(dir, name);
  await page.screenshot({ path: file, fullPage: true });
  const out = [file];
  if (process.env.SCREENSHOT_DIR) {
    fs.mkdirSync(process.env.SCREENSHOT_DIR, { recursive: true });
    const copy = path.join(process.env.SCREENSHOT_DIR, name);
    fs.copyFileSync(file, copy);
    out.push(copy);
  }
  return out;
}

// ---------- fixture mode: web/ plus synthetic /v1 ----------

const ASSETS = {
  'app.js': ['app.js', 'text/javascript'],
  'app.css': ['app.css', 'text/css'],
  'uPlot.iife.min.js': ['node_modules/uplot/dist/uPlot.iife.min.js', 'text/javascript'],
  'uPlot.min.css': ['node_modules/uplot/dist/uPlot.min.css', 'text/css'],
};

// Synthetic cluster whose figures move every tick (one a second).
class Synthetic {
  constructor() {
    this.empty = false;
    this.tick = 0;
    this.start = Date.now();
    this.topics = [
      { name: 'ad-impressions', internal: false, rates: [220, 60, 55, 58] },
      { name: 'ad-clicks', internal: false, rates: [14, 12] },
      { name: 'ad-conversions', internal: false, rates: [3] },
      { name: 'ad-campaign-stats', internal: false, rates: [1] },
      { name: 'edgestream-job-metrics', internal: true, rates: [0.3] },
      { name: '__consumer_offsets', internal: true, rates: [2, 1, 0, 0] },
    ].map((t) => ({ ...t, end: t.rates.map(() => 1000), startOff: t.rates.map(() => 0), last: t.rates.map(() => 0) }));
    this.revenue = new Map();
    this.lag = { billing: 0, nightly: 4200, audit: 50 };
    this.hist = { 'attribution-job': [], 'billing-export': [], 'nightly-report': [], 'audit-trail': [] };
    this.advance();
  }

  advance() {
    this.tick++;
    this.time = Date.now();
    const wobble = 0.6 + 0.8 * Math.abs(Math.sin(this.tick / 3));
    for (const t of this.topics) {
      t.last = t.rates.map((r) => Math.round(r * wobble * (0.8 + 0.4 * Math.random())));
      t.end = t.end.map((e, i) => e + t.last[i]);
    }
    this.lag.billing += 40 + Math.round(Math.random() * 20);
    this.lag.audit += 5;
    for (let c = 0; c < 8; c++) {
      const key = `campaign-${String(c).padStart(2, '0')}`;
      this.revenue.set(key, (this.revenue.get(key) || 0) + (8 - c) * (5 + Math.random() * 10));
    }
    const lags = { 'attribution-job': Math.round(Math.random() * 30), 'billing-export': this.lag.billing,
      'nightly-report': this.lag.nightly, 'audit-trail': this.lag.audit };
    for (const [g, l] of Object.entries(lags)) {
      this.hist[g].push([this.time, l]);
      if (this.hist[g].length > 300) this.hist[g].shift();
    }
    this.lags = lags;
  }

  snapshot() {
    const time = this.time;
    if (this.empty) {
      return {
        overview: { time, brokers: [{ id: 0, host: '127.0.0.1', port: 9092 }], topics: 0, partitions: 0,
          in_msgs_per_s: 0, out_msgs_per_s: 0, groups: 0, jobs: 0, alerts: [], latency_ms: null },
        topics: { time, topics: [] }, groups: { time, groups: [] }, jobs: { time, jobs: [] },
        attribution: { time, topic: 'ad-campaign-stats', campaigns: [] }, alerts: { time, alerts: [] },
      };
    }
    const topics = this.topics.map((t) => ({
      name: t.name, internal: t.internal,
      partitions: t.end.map((e, i) => ({ partition: i, leader: 0, start_offset: t.startOff[i], end_offset: e, msgs_per_s: t.last[i] })),
      messages: t.end.reduce((s, e, i) => s + e - t.startOff[i], 0),
      msgs_per_s: t.last.reduce((s, x) => s + x, 0),
    }));
    const imp = topics[0];
    const part = (topic, p, committed, lag, status) => ({ topic, partition: p, committed, end_offset: committed + lag, lag, status });
    const groups = [
      { group: 'attribution-job', state: 'Stable', members: 2, status: 'OK', lag: this.lags['attribution-job'],
        partitions: imp.partitions.map((p, i) => part('ad-impressions', i, p.end_offset - (i ? 0 : this.lags['attribution-job']), i ? 0 : this.lags['attribution-job'], 'OK')) },
      { group: 'billing-export', state: 'Stable', members: 1, status: 'STALL', lag: this.lags['billing-export'],
        partitions: [part('ad-conversions', 0, 1000, this.lags['billing-export'], 'STALL')] },
      { group: 'nightly-report', state: 'Empty', members: 0, status: 'STOP', lag: this.lags['nightly-report'],
        partitions: [part('ad-clicks', 0, 3000, 2100, 'STOP'), part('ad-clicks', 1, 2900, 2100, 'STOP')] },
      { group: 'audit-trail', state: 'Stable', members: 1, status: 'WARN', lag: this.lags['audit-trail'],
        partitions: [part('ad-clicks', 0, 5000 + this.tick, this.lags['audit-trail'], 'WARN')] },
    ].map((g) => ({ ...g, history: this.hist[g.group] }));
    const rps = imp.msgs_per_s + topics[1].msgs_per_s;
    const jobs = [{
      job: 'ad-attribution', instances: 2, records_per_s: rps, records_processed: 50000 + this.tick * 400,
      bad_records: 3, commits: 100 + this.tick, last_commit_ms: 4 + (this.tick % 5), max_commit_ms: 31,
      consumer_lag: this.lags['attribution-job'], watermark_lag_ms: 1800 + (this.tick % 7) * 90,
      late_records: 12 + Math.floor(this.tick / 4), state_entries: 4000 + this.tick * 3, state_bytes: 1.8e6 + this.tick * 900,
      thread_restarts: 0, updated: time - 1200,
      operators: [
        { node: 'source:ad-impressions', in_per_s: imp.msgs_per_s, out_per_s: imp.msgs_per_s, late: 0, dropped: 0 },
        { node: 'source:ad-clicks', in_per_s: topics[1].msgs_per_s, out_per_s: topics[1].msgs_per_s, late: 0, dropped: 0 },
        { node: 'join:click-to-impression', in_per_s: rps, out_per_s: topics[1].msgs_per_s, late: 2, dropped: 0 },
        { node: 'window:attribution-60s', in_per_s: topics[1].msgs_per_s, out_per_s: 1, late: 1, dropped: 1 },
        { node: 'sink:ad-campaign-stats', in_per_s: 1, out_per_s: 1, late: 0, dropped: 0 },
      ],
    }, {
      job: 'clickstream-sessions', instances: 1, records_per_s: topics[1].msgs_per_s, records_processed: 9000 + this.tick * 20,
      bad_records: 0, commits: 40 + this.tick, last_commit_ms: 2, max_commit_ms: 9, consumer_lag: 0, watermark_lag_ms: 900,
      late_records: 0, state_entries: 310, state_bytes: 52000, thread_restarts: 1, updated: time - 2500,
      operators: [
        { node: 'source:ad-clicks', in_per_s: topics[1].msgs_per_s, out_per_s: topics[1].msgs_per_s, late: 0, dropped: 0 },
        { node: 'session:30m', in_per_s: topics[1].msgs_per_s, out_per_s: 0.5, late: 0, dropped: 0 },
        { node: 'sink:sessions', in_per_s: 0.5, out_per_s: 0.5, late: 0, dropped: 0 },
      ],
    }];
    const windowEnd = Math.floor(time / 60000) * 60000;
    const campaigns = Array.from(this.revenue, ([campaign, revenue], i) => ({
      campaign, window_end: windowEnd, impressions: 9000 - i * 700 + this.tick * 3, clicks: 400 - i * 30 + this.tick,
      conversions: 40 - i * 4, revenue: Math.round(revenue * 100) / 100,
    })).sort((a, b) => b.revenue - a.revenue);
    const alerts = [
      { rule: 'consumer_stalled', severity: 'critical', subject: 'billing-export', message: 'group billing-export is STALL: lag grows while its committed offset stands still', since: this.start - 95000 },
      { rule: 'consumer_stalled', severity: 'critical', subject: 'nightly-report', message: 'group nightly-report is STOP: no members and lag 4,200', since: this.start - 3600000 },
      { rule: 'consumer_lag_growing', severity: 'warning', subject: 'audit-trail', message: 'group audit-trail lag grew across the last 10 samples', since: this.start - 20000 },
      { rule: 'partition_imbalance', severity: 'warning', subject: 'ad-impressions', message: 'partition 0 takes 3.4x the mean rate', since: this.start - 300000 },
      { rule: 'job_restarted', severity: 'critical', subject: 'clickstream-sessions', message: 'thread restarts grew to 1', since: this.start - 60000 },
    ];
    const inRate = topics.filter((t) => !t.internal).reduce((s, t) => s + t.msgs_per_s, 0);
    const p50 = 40 + (this.tick % 6) * 5;
    return {
      overview: { time, brokers: [{ id: 0, host: '127.0.0.1', port: 9092 }], topics: topics.length,
        partitions: topics.reduce((s, t) => s + t.partitions.length, 0), in_msgs_per_s: inRate,
        out_msgs_per_s: Math.round(inRate * (0.85 + 0.1 * Math.random())), groups: groups.length, jobs: jobs.length,
        alerts, latency_ms: { p50, p99: p50 * 4 + Math.round(Math.random() * 40), max: 900 + Math.round(Math.random() * 300) } },
      topics: { time, topics }, groups: { time, groups }, jobs: { time, jobs },
      attribution: { time, topic: 'ad-campaign-stats', campaigns }, alerts: { time, alerts },
    };
  }
}

async function fixtureServer() {
  const data = new Synthetic();
  const streams = new Set();
  const fx = { data, streamDown: false, streamSilent: false, streamRequests: 0, pollRequests: 0 };
  const send = (res) => fx.streamSilent || res.write(`event: snapshot\ndata: ${JSON.stringify(data.snapshot())}\n\n`);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://fixture');
    const file = url.pathname === '/' ? ['index.html', 'text/html']
      : url.pathname.startsWith('/assets/') ? ASSETS[url.pathname.slice(8)] : null;
    if (file) {
      res.writeHead(200, { 'Content-Type': `${file[1]}; charset=utf-8` });
      res.end(fs.readFileSync(path.join(web, file[0])));
    } else if (url.pathname === '/v1/stream') {
      fx.streamRequests++;
      if (fx.streamDown) { res.writeHead(503); res.end(); return; }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      streams.add(res);
      req.on('close', () => streams.delete(res));
      send(res);
    } else if (url.pathname.startsWith('/v1/') && data.snapshot()[url.pathname.slice(4)]) {
      fx.pollRequests++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(data.snapshot()[url.pathname.slice(4)]));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  const timer = setInterval(() => {
    data.advance();
    for (const res of streams) send(res);
  }, 1000);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  fx.url = `http://127.0.0.1:${server.address().port}/`;
  fx.dropStreams = () => { for (const res of streams) res.destroy(); streams.clear(); };
  fx.close = () => { clearInterval(timer); fx.dropStreams(); server.close(); };
  return fx;
}

async function fixtureMode(dir) {
  const fx = await fixtureServer();
  const browser = await openBrowser();
  try {
    fx.data.empty = true;
    const { page, errors } = await openPage(browser, fx.url);
    await waitFor(page, 'the stream to be live', () => document.body.dataset.mode === 'live');
    await waitFor(page, 'the empty states', () => !document.getElementById('groups-empty').hidden &&
      document.getElementById('groups-empty').textContent.includes('No consumer groups yet'));
    const empties = {};
    for (const id of ['topics-empty', 'groups-empty', 'jobs-empty', 'attribution-empty', 'alerts-empty', 'latency-empty']) {
      empties[id] = await text(page, `#${id}`);
      assert.ok(await page.isVisible(`#${id}`), `#${id} is shown`);
    }
    assert.match(empties['topics-empty'], /No topics yet/);
    assert.match(empties['jobs-empty'], /No jobs yet/);
    assert.match(empties['attribution-empty'], /No attribution results yet/);
    assert.match(empties['alerts-empty'], /No active alerts/);
    assert.ok(!(await page.isVisible('#topic-table')), 'an empty topic table is hidden');
    console.log(`checked: empty states: "${empties['topics-empty']}", "${empties['groups-empty']}", ` +
      `"${empties['jobs-empty'].split('.')[0]}", "${empties['attribution-empty'].split('.')[0]}", "${empties['alerts-empty'].split('.')[0]}"`);
    await screenshots(page, dir, 'dashboard-empty.png');

    fx.data.empty = false;
    await waitFor(page, 'the topic ad-impressions', () => document.querySelector('[data-topic="ad-impressions"]'));
    const in1 = num(await text(page, '#kpi-in'));
    const msgs1 = num(await text(page, '[data-topic="ad-impressions"] .messages'));
    await sleep(2500);
    const in2 = num(await text(page, '#kpi-in'));
    const msgs2 = num(await text(page, '[data-topic="ad-impressions"] .messages'));
    assert.ok(in1 > 0 && in2 > 0 && in1 !== in2, `throughput in moves: ${in1} then ${in2}`);
    assert.ok(msgs2 > msgs1, `messages of ad-impressions grow: ${msgs1} then ${msgs2}`);
    console.log(`checked: throughput in moved ${in1} -> ${in2} msgs/s; ad-impressions messages ${msgs1} -> ${msgs2}`);

    const points = await page.$$eval('#chart-throughput canvas', (c) => c.length);
    assert.ok(points >= 1, 'the throughput chart is drawn');
    assert.ok(await page.isVisible('#chart-latency canvas'), 'the latency chart is drawn');
    assert.ok(!(await page.isVisible('#latency-empty')), 'the latency empty state is gone');
    const p99 = await text(page, '#kpi-p99');
    assert.match(p99, /ms$/);
    console.log(`checked: throughput and latency charts drawn by uPlot; latency p99 ${p99}`);

    const topicRows = await page.$$eval('#topic-rows tr[data-topic]', (r) => r.map((x) => x.dataset.topic));
    assert.deepStrictEqual(topicRows, ['ad-campaign-stats', 'ad-clicks', 'ad-conversions', 'ad-impressions']);
    await page.check('#show-internal');
    const withInternal = await page.$$eval('#topic-rows tr[data-topic]', (r) => r.length);
    assert.strictEqual(withInternal, 6, 'internal topics shown on demand');
    await page.uncheck('#show-internal');
    await page.click('[data-topic="ad-impressions"] button.disclose');
    await sleep(1500);  // survives the next snapshots
    const partRows = await page.$$eval('#topic-rows tr.detail tbody tr', (r) => r.length);
    assert.strictEqual(partRows, 4, 'the partitions of ad-impressions stay open across updates');
    assert.strictEqual(await page.getAttribute('[data-topic="ad-impressions"] button.disclose', 'aria-expanded'), 'true');
    assert.strictEqual(await page.evaluate(() => document.activeElement.closest('tr').dataset.topic), 'ad-impressions',
      'the keyboard focus stays on the button across updates');
    console.log(`checked: topics table (${topicRows.length} topics, internal ones on demand), partitions of ad-impressions open: ${partRows} rows`);

    const statuses = await page.$$eval('#group-cards [data-group]', (cards) => cards.map((c) =>
      [c.dataset.group, c.querySelector('.card-head .badge').textContent, c.querySelectorAll('canvas').length > 0,
        c.querySelectorAll('tbody.parts tr').length, c.querySelectorAll('.u-legend .badge').length]));
    assert.deepStrictEqual(statuses.map((s) => s.slice(0, 2)), [
      ['nightly-report', 'STOP'], ['billing-export', 'STALL'], ['audit-trail', 'WARN'], ['attribution-job', 'OK']]);
    assert.ok(statuses.every((s) => s[2]), 'every group has its lag chart');
    assert.deepStrictEqual(statuses.map((s) => s[3]), [2, 1, 1, 4], 'partition rows per group');
    assert.ok(statuses.every((s) => s[4] === 0), 'partition rows stay out of the chart legend');
    console.log(`checked: groups worst first with badges ${statuses.map((s) => `${s[0]}=${s[1]}`).join(', ')}, a lag chart each`);

    const job = await page.$eval('[data-job="ad-attribution"]', (c) => ({
      ops: Array.from(c.querySelectorAll('.op-name'), (o) => o.textContent),
      watermark: c.querySelector('[data-figure="watermark_lag_ms"] dd').textContent,
      late: c.querySelector('[data-figure="late_records"] dd').textContent,
      commit: c.querySelector('[data-figure="max_commit_ms"] dd').textContent,
      state: c.querySelector('[data-figure="state_bytes"] dd').textContent,
      chart: c.querySelectorAll('canvas').length > 0,
    }));
    assert.strictEqual(job.ops.length, 5);
    assert.match(job.watermark, /s$/);
    assert.match(job.state, /MiB$/);
    assert.ok(job.chart, 'the job has its records/s chart');
    const restarts = await page.$eval('[data-job="clickstream-sessions"] [data-figure="thread_restarts"]', (e) => e.className);
    assert.match(restarts, /warn/, 'restarts above 0 are flagged');
    console.log(`checked: job ad-attribution: ${job.ops.length} operators (${job.ops[0]} ... ${job.ops[4]}), ` +
      `watermark lag ${job.watermark}, late ${job.late}, max commit ${job.commit}, state ${job.state}`);

    const campaigns = await page.$$eval('#attribution-rows tr', (rows) => rows.map((r) =>
      [r.dataset.campaign, r.querySelector('.hbar-value').textContent, r.querySelector('.hbar-fill').style.width]));
    assert.strictEqual(campaigns.length, 8);
    assert.strictEqual(campaigns[0][2], '100%', 'the top campaign has the full bar');
    const rev1 = num(campaigns[0][1]);
    await sleep(1500);
    const rev2 = num(await text(page, '#attribution-rows tr .hbar-value'));
    assert.ok(rev2 > rev1, `attributed revenue moves: ${rev1} then ${rev2}`);
    console.log(`checked: attribution: ${campaigns.length} campaigns, top ${campaigns[0][0]} revenue ${rev1} -> ${rev2}`);

    const alerts = await page.$$eval('#alert-list li', (li) => li.map((l) => [l.dataset.rule, l.querySelector('.sev').textContent]));
    assert.strictEqual(alerts.length, 5);
    assert.deepStrictEqual(alerts.slice(0, 3).map((a) => a[1]), ['CRITICAL', 'CRITICAL', 'CRITICAL'], 'critical first');
    assert.strictEqual(await text(page, '#nav-alerts'), '5');
    console.log(`checked: ${alerts.length} alerts, critical first: ${alerts.map((a) => a[0]).join(', ')}`);

    console.log(`checked: screenshots ${(await screenshots(page, dir, 'dashboard.png')).join(', ')}`);

    // The stream drops: the page polls /v1/* and keeps moving, then reconnects.
    fx.streamDown = true;
    fx.dropStreams();
    await waitFor(page, 'polling after the stream dropped', () => document.body.dataset.mode === 'polling');
    const polls = fx.pollRequests;
    const updated1 = await text(page, '#updated');
    await sleep(2500);
    const updated2 = await text(page, '#updated');
    assert.ok(fx.pollRequests >= polls + 6, `it polls (${fx.pollRequests - polls} requests)`);
    assert.notStrictEqual(updated1, updated2, 'figures still move while polling');
    console.log(`checked: stream dropped: "${await text(page, '#conn')}", ${fx.pollRequests - polls} /v1 polls in 2.5 s, ${updated1} -> ${updated2}`);
    fx.streamDown = false;
    const before = fx.streamRequests;
    await waitFor(page, 'the stream to come back', () => document.body.dataset.mode === 'live', undefined, 30000);
    const p1 = fx.pollRequests;
    await sleep(2000);
    assert.ok(fx.pollRequests - p1 <= 6, 'polling stops once the stream is back');
    console.log(`checked: reconnected to /v1/stream ("${await text(page, '#conn')}") after ${fx.streamRequests - before} tries; polling stopped`);

    // The stream stays open but goes silent: the page notices, polls, and comes back.
    fx.streamSilent = true;
    await waitFor(page, 'polling after the stream went silent', () => document.body.dataset.mode === 'polling', undefined, 8000);
    fx.streamSilent = false;
    await waitFor(page, 'the stream to speak again', () => document.body.dataset.mode === 'live', undefined, 30000);
    console.log('checked: a silent stream (open, no events for 3.5 s) also falls back to polling, then back to live');

    const unlabelled = await page.$$eval('[role="img"]:not([aria-label]), button:not([aria-label]), input:not([id])',
      (e) => e.map((x) => x.outerHTML.slice(0, 80)));
    assert.deepStrictEqual(unlabelled, [], 'charts, buttons and inputs carry labels');
    assert.deepStrictEqual(errors, [], 'no page errors');
    console.log('checked: every chart, button and input is labelled; no page errors, no failed assets');
  } finally {
    await browser.close();
    fx.close();
  }
}

// ---------- real mode: `edgestream serve` ----------

async function realMode(bin, dir) {
  const { withServe, until } = require('./serve_process');
  const { Kafka, logLevel } = require(path.join(peers, 'kafkajs'));
  await withServe(bin, '', async (serve) => {
    const kafka = new Kafka({ clientId: 'dashboard-test', brokers: serve.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'dash-orders', numPartitions: 3 }], waitForLeaders: true });

    // A producer that keeps going, at a rate that varies.
    const producer = kafka.producer();
    await producer.connect();
    let producing = true;
    let produced = 0;
    const production = (async () => {
      for (let i = 0; producing; i++) {
        const n = 5 + (i % 7) * 4;
        await producer.send({ topic: 'dash-orders', messages: Array.from({ length: n }, (_, k) =>
          ({ key: `k${produced + k}`, value: JSON.stringify({ order: produced + k, amount: (k % 13) + 0.5 }) })) });
        produced += n;
        await sleep(200);
      }
    })();

    // A consumer group that consumes and commits, then stops: with records still coming, its lag
    // grows and it has no members (STOP), or is still seen with its members (STALL).
    const consumer = kafka.consumer({ groupId: 'dash-readers', sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: 'dash-orders', fromBeginning: true });
    let consumed = 0;
    await consumer.run({ autoCommitInterval: 200, eachMessage: async () => { consumed++; } });
    const committed = async () => (await admin.fetchOffsets({ groupId: 'dash-readers', topics: ['dash-orders'] }))[0]
      .partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
    await until('dash-readers to commit', async () => (await committed()) >= 100, 30000);
    await consumer.disconnect();
    console.log(`checked: produced ${produced} records to dash-orders, dash-readers consumed ${consumed} and committed ${await committed()}, then stopped`);

    // A job on the same topic: it publishes its figures to the metrics topic every second.
    const job = spawn(bin, ['run', 'window-count', '--brokers', serve.brokers[0], '--state-dir',
      path.join(dir, 'job-state'), '-p', 'input=dash-orders', '-p', 'window=5s', '-p', 'by=key',
      '--metrics-interval-ms', '1000'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let jobLog = '';
    job.stderr.on('data', (d) => { jobLog += d; });

    const browser = await openBrowser();
    try {
      const url = `http://127.0.0.1:${serve.adminPort}/`;
      const { page, errors } = await openPage(browser, url);
      await waitFor(page, 'the stream to be live', () => document.body.dataset.mode === 'live', undefined, 20000);
      await waitFor(page, 'the topic dash-orders', () => document.querySelector('[data-topic="dash-orders"]'), undefined, 20000);
      const read = async () => ({
        in: num(await text(page, '#kpi-in')),
        msgs: num(await text(page, '[data-topic="dash-orders"] .messages')),
        updated: await text(page, '#updated'),
      });
      const a = await read();
      await sleep(3000);
      const b = await read();
      assert.ok(b.msgs > a.msgs, `dash-orders messages grow on the page: ${a.msgs} then ${b.msgs}`);
      assert.ok(b.in > 0, `throughput in is above 0: ${b.in}`);
      assert.notStrictEqual(a.updated, b.updated, 'the page updates');
      console.log(`checked: the page is live; topic dash-orders shown; messages ${a.msgs} -> ${b.msgs}, in ${a.in} -> ${b.in} msgs/s`);

      await waitFor(page, 'dash-readers to turn STALL or STOP', () => {
        const c = document.querySelector('[data-group="dash-readers"] .card-head .badge');
        return c && (c.textContent === 'STALL' || c.textContent === 'STOP');
      }, undefined, 45000);
      const status = await text(page, '[data-group="dash-readers"] .card-head .badge');
      console.log(`checked: the stopped group dash-readers shows ${status}`);

      await waitFor(page, 'the consumer_stalled alert', () =>
        document.querySelector('#alert-list li[data-rule="consumer_stalled"]'), undefined, 30000);
      const alert = await text(page, '#alert-list li[data-rule="consumer_stalled"]');
      console.log(`checked: alert shown: ${alert.replace(/\s+/g, ' ')}`);

      await waitFor(page, 'the window-count job with processed records', () => {
        const dd = document.querySelector('[data-job="window-count"] [data-figure="records_processed"] dd');
        return dd && Number(dd.textContent.replace(/[^0-9]/g, '')) > 0;
      }, undefined, 45000).catch((e) => { throw new Error(`${e.message}\n--- job ---\n${jobLog.slice(-2000)}`); });
      const processed = await text(page, '[data-job="window-count"] [data-figure="records_processed"] dd');
      const operators = await page.$$eval('[data-job="window-count"] .op', (l) => l.length);
      assert.ok(operators >= 2, `the job's operators are listed: ${operators}`);
      console.log(`checked: job window-count shown from the metrics topic: ${processed} records processed, ${operators} operators`);

      await sleep(2000);  // let the charts gather a few points
      console.log(`checked: screenshots ${(await screenshots(page, dir, 'dashboard.png')).join(', ')}`);
      assert.deepStrictEqual(errors, [], 'no page errors');
      console.log('checked: no page errors, no failed assets');
    } finally {
      await browser.close();
      job.kill('SIGTERM');
      await new Promise((resolve) => (job.exitCode !== null ? resolve() : job.on('exit', resolve)));
      producing = false;
      await production;
      await producer.disconnect();
      await admin.disconnect();
    }
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'es-dashboard-'));
  if (process.argv.includes('--fixture')) {
    await fixtureMode(dir);
  } else {
    const bin = process.argv[2];
    if (!bin) throw new Error('usage: dashboard_browser_test.js path/to/edgestream | --fixture');
    await realMode(bin, dir);
  }
  console.log(`screenshots kept in ${dir}`);
}

main().then(() => process.exit(0), (e) => {
  console.error('FAIL:', e);
  process.exit(1);
});
