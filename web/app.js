// The edgestream dashboard: plain JavaScript, no build step. Reads the snapshot event of
// /v1/stream every second (docs/dashboard.md); while the stream is down it polls the /v1/
// endpoints every second and keeps trying to reconnect. Charts with uPlot (window.uPlot).
'use strict';
(function () {
  const HISTORY_S = 300;             // client-side chart history, seconds
  const STREAM_SILENCE_MS = 3500;    // no snapshot for this long: the stream counts as down
  const POLL_MS = 1000;
  const ENDPOINTS = ['overview', 'topics', 'groups', 'jobs', 'attribution', 'alerts'];
  const STATUS_RANK = { ERR: 0, STOP: 1, STALL: 2, WARN: 3, OK: 4 };
  const STATUS_HELP = {
    OK: 'committed offset moves, or no lag',
    WARN: 'committed offset moves but the lag grew across the whole window',
    STALL: 'members present, lag above 0, committed offset not moving',
    STOP: 'no members and lag above 0',
    ERR: 'committed offset went backwards, or the group could not be described',
  };
  const COLORS = { in: '#1d5fd1', out: '#0f8a5f', p50: '#1d5fd1', p99: '#c2410c', max: '#7c3aed', lag: '#b42318', rate: '#1d5fd1' };

  // ---------- small helpers ----------
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k === 'style') e.style.cssText = v;
        else e.setAttribute(k, v === true ? '' : v);
      }
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const DASH = '—';

  function fmtInt(v) {
    return isNum(v) ? Math.round(v).toLocaleString('en-US') : DASH;
  }
  function fmtRate(v) {
    if (!isNum(v)) return DASH;
    if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
    return v.toFixed(1);
  }
  function fmtCompact(v) {
    if (!isNum(v)) return '';
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1).replace(/\.0$/, '') + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(1).replace(/\.0$/, '') + 'M';
    if (a >= 1e3) return (v / 1e3).toFixed(1).replace(/\.0$/, '') + 'k';
    return String(Math.round(v * 100) / 100);
  }
  function fmtMs(v) {
    if (!isNum(v)) return DASH;
    if (v < 1000) return `${Math.round(v)} ms`;
    if (v < 60000) return `${(v / 1000).toFixed(1)} s`;
    return fmtDuration(v);
  }
  function fmtDuration(ms) {
    if (!isNum(ms)) return DASH;
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
    if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
    return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
  }
  function fmtBytes(v) {
    if (!isNum(v)) return DASH;
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${i ? v.toFixed(1) : v} ${units[i]}`;
  }
  function fmtMoney(v) {
    return isNum(v) ? v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : DASH;
  }
  function fmtClock(ms) {
    return isNum(ms) ? new Date(ms).toLocaleTimeString('en-GB', { hour12: false }) : DASH;
  }
  function fmtPct(v) {
    return isNum(v) ? `${(v * 100).toFixed(1)}%` : DASH;
  }

  function badge(status) {
    const s = STATUS_RANK[status] !== undefined ? status : 'ERR';
    return el('span', { class: `badge st-${s}`, title: `${status || 'unknown'}: ${STATUS_HELP[s]}`, text: status || '?' });
  }

  function empty(id, show, text) {
    const p = $(id);
    p.hidden = !show;
    if (show && text) p.textContent = text;
  }

  // Keeps the children of `parent` keyed by `key`, in the order of `items`; `make(item)` builds a
  // new one, `update(node, item)` refreshes it; nodes for vanished keys are removed (and `drop`
  // is called for them, to free charts).
  function reconcile(parent, items, key, make, update, drop) {
    const old = new Map();
    for (const c of Array.from(parent.children)) old.set(c.dataset.key, c);
    let prev = null;
    for (const item of items) {
      const k = key(item);
      let node = old.get(k);
      if (node) old.delete(k); else { node = make(item); node.dataset.key = k; }
      update(node, item);
      const want = prev ? prev.nextSibling : parent.firstChild;
      if (node !== want) parent.insertBefore(node, want);
      prev = node;
    }
    for (const [k, n] of old) { if (drop) drop(k, n); n.remove(); }
  }

  // ---------- charts ----------
  // A uPlot time-series chart that follows its container's width. `series`: [{label, color}].
  function Chart(container, series, opts = {}) {
    this.container = container;
    this.series = series;
    this.height = opts.height || 180;
    this.format = opts.format || fmtCompact;
    this.u = null;
    this.data = [[], ...series.map(() => [])];
    if (!window.uPlot) {
      container.append(el('p', { class: 'empty', text: 'Charts unavailable (uPlot did not load).' }));
      return;
    }
    if (window.ResizeObserver) {
      this.ro = new ResizeObserver(() => this.resize());
      this.ro.observe(container);
    }
  }
  // The x axis spans the data, at least a minute and at most HISTORY_S, ending at the latest point.
  function xRange(u, min, max) {
    if (min === null || max === null) { const now = Date.now() / 1000; return [now - 60, now]; }
    return [max - Math.min(HISTORY_S, Math.max(60, max - min)), max];
  }
  Chart.prototype.width = function () {
    return Math.max(200, Math.floor(this.container.clientWidth));
  };
  Chart.prototype.build = function () {
    const fmt = this.format;
    const opts = {
      width: this.width(),
      height: this.height,
      cursor: { drag: { x: false, y: false } },
      legend: { show: true, live: true },
      scales: { x: { time: true, range: xRange }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { stroke: '#4b5563', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#d5d9e0' }, space: 70,
          values: (u, splits) => splits.map((v) => fmtClock(v * 1000)) },
        { stroke: '#4b5563', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#d5d9e0' }, size: 64,
          values: (u, splits) => splits.map(fmt) },
      ],
      series: [{ label: 'time', value: (u, v) => (v === null ? DASH : fmtClock(v * 1000)) }].concat(
        this.series.map((s) => ({
          label: s.label, stroke: s.color, width: 2, fill: s.fill ? s.color + '1f' : undefined,
          spanGaps: false, points: { show: false },
          value: (u, v) => (v === null || v === undefined ? DASH : fmt(v)),
        }))),
    };
    this.u = new window.uPlot(opts, this.data, this.container);
  };
  Chart.prototype.setData = function (data) {
    this.data = data;
    if (!window.uPlot) return;
    if (!this.u) this.build(); else this.u.setData(data);
  };
  Chart.prototype.resize = function () {
    if (this.u && this.width() !== this.u.width) this.u.setSize({ width: this.width(), height: this.height });
  };
  Chart.prototype.destroy = function () {
    if (this.ro) this.ro.disconnect();
    if (this.u) this.u.destroy();
  };

  // Rolling history: `t` in seconds and one array per named series, trimmed to HISTORY_S.
  function History(names) {
    this.names = names;
    this.t = [];
    this.v = names.map(() => []);
  }
  History.prototype.push = function (timeMs, values) {
    const t = timeMs / 1000;
    if (this.t.length && t <= this.t[this.t.length - 1]) return false;
    this.t.push(t);
    values.forEach((x, i) => this.v[i].push(isNum(x) ? x : null));
    while (this.t.length && this.t[0] < t - HISTORY_S) {
      this.t.shift();
      this.v.forEach((a) => a.shift());
    }
    return true;
  };
  History.prototype.data = function () { return [this.t.slice(), ...this.v.map((a) => a.slice())]; };

  // ---------- state ----------
  const overviewHist = new History(['in', 'out', 'p50', 'p99', 'max']);
  const jobHist = new Map();       // job -> History(['records_per_s'])
  const groupCharts = new Map();   // group -> Chart
  const jobCharts = new Map();     // job -> Chart
  const openTopics = new Set();    // topics whose partitions are shown
  let throughputChart = null;
  let latencyChart = null;
  let lastSnapshot = null;

  // ---------- overview ----------
  function renderOverview(ov) {
    if (!ov) return;
    $('kpi-in').textContent = fmtRate(ov.in_msgs_per_s);
    $('kpi-out').textContent = fmtRate(ov.out_msgs_per_s);
    const lat = ov.latency_ms || {};
    $('kpi-p50').textContent = fmtMs(lat.p50);
    $('kpi-p99').textContent = fmtMs(lat.p99);
    $('kpi-max').textContent = fmtMs(lat.max);
    $('kpi-topics').textContent = fmtInt(ov.topics);
    $('kpi-partitions').textContent = fmtInt(ov.partitions);
    $('kpi-groups').textContent = fmtInt(ov.groups);
    $('kpi-jobs').textContent = fmtInt(ov.jobs);
    const brokers = ov.brokers || [];
    $('brokers').textContent = brokers.length
      ? `${brokers.length} broker${brokers.length > 1 ? 's' : ''}: ${brokers.map(brokerName).join(', ')}`
      : '';
    $('brokers').title = brokers.map((b) => `broker ${brokerName(b)}`).join('\n');
    $('updated').textContent = `updated ${fmtClock(ov.time)}`;
    if (isNum(ov.time) && overviewHist.push(ov.time,
      [ov.in_msgs_per_s, ov.out_msgs_per_s, lat.p50, lat.p99, lat.max])) {
      const d = overviewHist.data();
      if (!throughputChart) {
        throughputChart = new Chart($('chart-throughput'), [
          { label: 'in', color: COLORS.in, fill: true }, { label: 'out', color: COLORS.out }]);
      }
      throughputChart.setData([d[0], d[1], d[2]]);
      const anyLatency = d[3].some(isNum) || d[4].some(isNum) || d[5].some(isNum);
      empty('latency-empty', !anyLatency);
      $('chart-latency').hidden = !anyLatency;
      if (anyLatency) {
        if (!latencyChart) {
          latencyChart = new Chart($('chart-latency'), [
            { label: 'p50', color: COLORS.p50 }, { label: 'p99', color: COLORS.p99 },
            { label: 'max', color: COLORS.max }], { format: (v) => fmtMs(v) });
        }
        latencyChart.setData([d[0], d[3], d[4], d[5]]);
      }
    }
  }

  // ---------- alerts ----------
  function renderAlerts(list, now) {
    if (!list) return;
    const sorted = list.slice().sort((a, b) =>
      (a.severity === 'critical' ? 0 : 1) - (b.severity === 'critical' ? 0 : 1) || (a.since || 0) - (b.since || 0));
    const ul = $('alert-list');
    ul.replaceChildren(...sorted.map((a) => el('li', { class: `alert sev-${a.severity}`, 'data-rule': a.rule },
      el('span', { class: `sev sev-${a.severity}`, text: a.severity === 'critical' ? 'CRITICAL' : 'WARNING' }),
      el('span', { class: 'alert-rule', text: a.rule }),
      el('span', { class: 'alert-subject', text: a.subject }),
      el('span', { class: 'alert-msg', text: a.message }),
      el('span', { class: 'alert-since muted', title: `since ${fmtClock(a.since)}`,
        text: isNum(a.since) ? `for ${fmtDuration(now - a.since)}` : '' }))));
    empty('alerts-empty', sorted.length === 0, 'No active alerts. Every rule is quiet.');
    const nav = $('nav-alerts');
    nav.textContent = sorted.length ? String(sorted.length) : '';
    nav.className = 'count' + (sorted.some((a) => a.severity === 'critical') ? ' crit' : sorted.length ? ' warn' : '');
  }

  // ---------- topics ----------
  function partitionBars(parts, total) {
    const wrap = el('div', { class: 'pbars', 'aria-hidden': 'true' });
    const max = Math.max(...parts.map((p) => (isNum(p.msgs_per_s) ? p.msgs_per_s : 0)), 0);
    for (const p of parts) {
      const h = max > 0 && isNum(p.msgs_per_s) ? Math.max(2, Math.round((p.msgs_per_s / max) * 18)) : 1;
      wrap.append(el('span', { style: `height:${h}px`, title: `partition ${p.partition}: ${fmtRate(p.msgs_per_s)} msgs/s` }));
    }
    if (!(total > 0)) wrap.classList.add('idle');
    return wrap;
  }

  function partitionTable(t) {
    const total = t.msgs_per_s;
    return el('table', { class: 'data inner' },
      el('caption', { class: 'sr-only', text: `Partitions of ${t.name}` }),
      el('thead', null, el('tr', null,
        ['Partition', 'Leader', 'Start offset', 'End offset', 'Messages', 'Msgs/s', 'Share'].map((h, i) =>
          el('th', { scope: 'col', class: i ? 'num' : null, text: h })))),
      el('tbody', null, (t.partitions || []).map((p) => el('tr', null,
        el('td', { text: p.partition }),
        el('td', { class: 'num', text: p.leader === null || p.leader === undefined ? DASH : p.leader }),
        el('td', { class: 'num', text: fmtInt(p.start_offset) }),
        el('td', { class: 'num', text: fmtInt(p.end_offset) }),
        el('td', { class: 'num', text: isNum(p.end_offset) && isNum(p.start_offset) ? fmtInt(p.end_offset - p.start_offset) : DASH }),
        el('td', { class: 'num', text: fmtRate(p.msgs_per_s) }),
        el('td', { class: 'num', text: total > 0 && isNum(p.msgs_per_s) ? fmtPct(p.msgs_per_s / total) : DASH })))));
  }

  function renderTopics(data) {
    if (!data) return;
    const all = (data.topics || []).slice().sort((a, b) => (a.internal - b.internal) || a.name.localeCompare(b.name));
    const showInternal = $('show-internal').checked;
    const internal = all.filter((t) => t.internal).length;
    $('internal-count').textContent = internal ? `(${internal})` : '';
    const topics = all.filter((t) => showInternal || !t.internal);
    const rows = [];
    for (const t of topics) {
      const open = openTopics.has(t.name);
      const parts = t.partitions || [];
      const btn = el('button', { class: 'disclose', type: 'button', 'aria-expanded': open ? 'true' : 'false',
        'aria-label': `${open ? 'Hide' : 'Show'} partitions of ${t.name}` }, open ? '▾' : '▸');
      btn.addEventListener('click', () => {
        if (openTopics.has(t.name)) openTopics.delete(t.name); else openTopics.add(t.name);
        renderTopics(lastSnapshot && lastSnapshot.topics);
      });
      rows.push(el('tr', { 'data-topic': t.name, class: t.internal ? 'internal' : null },
        el('th', { scope: 'row' }, btn, ' ', el('span', { class: 'name', text: t.name }),
          t.internal ? el('span', { class: 'tag', text: 'internal' }) : null),
        el('td', { class: 'num', text: fmtInt(parts.length) }),
        el('td', { class: 'num messages', text: fmtInt(t.messages) }),
        el('td', { class: 'num rate', text: fmtRate(t.msgs_per_s) }),
        el('td', null, partitionBars(parts, t.msgs_per_s))));
      if (open) rows.push(el('tr', { class: 'detail' }, el('td', { colspan: 5 }, partitionTable(t))));
    }
    // Rows are rebuilt every second: keep the keyboard focus on the same topic's button.
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('tr[data-topic]');
    $('topic-rows').replaceChildren(...rows);
    if (focused) {
      const again = Array.from($('topic-rows').querySelectorAll('tr[data-topic]')).find((r) => r.dataset.topic === focused.dataset.topic);
      if (again) again.querySelector('button').focus();
    }
    $('topic-table').hidden = topics.length === 0;
    empty('topics-empty', topics.length === 0,
      all.length ? 'Only internal topics so far (tick "Show internal topics" to see them).' : 'No topics yet.');
    $('nav-topics').textContent = topics.length ? String(topics.length) : '';
  }

  // ---------- consumer groups ----------
  function makeGroupCard(g) {
    const card = el('article', { class: 'card group', 'data-group': g.group, 'aria-label': `Consumer group ${g.group}` },
      el('header', { class: 'card-head' },
        el('h3', { text: g.group }), el('span', { class: 'slot-badge' }), el('span', { class: 'facts muted' })),
      el('div', { class: 'chart small', role: 'img', 'aria-label': `Total lag of group ${g.group} over the last 5 minutes` }),
      el('table', { class: 'data inner' },
        el('caption', { class: 'sr-only', text: `Partitions consumed by group ${g.group}` }),
        el('thead', null, el('tr', null, ['Topic', 'Partition', 'Committed', 'End offset', 'Lag', 'Status'].map((h, i) =>
          el('th', { scope: 'col', class: i === 0 || i === 5 ? null : 'num', text: h })))),
        el('tbody', { class: 'parts' })));
    groupCharts.set(g.group, new Chart(card.querySelector('.chart'), [{ label: 'lag', color: COLORS.lag, fill: true }],
      { height: 130 }));
    return card;
  }

  function updateGroupCard(card, g) {
    card.dataset.status = g.status || '';
    card.querySelector('.slot-badge').replaceChildren(badge(g.status));
    card.querySelector('.facts').textContent =
      `${g.state || 'unknown state'} · ${fmtInt(g.members)} member${g.members === 1 ? '' : 's'} · lag ${fmtInt(g.lag)}`;
    const parts = (g.partitions || []).slice().sort((a, b) =>
      a.topic.localeCompare(b.topic) || a.partition - b.partition);
    card.querySelector('tbody.parts').replaceChildren(...parts.map((p) => el('tr', null,
      el('td', { text: p.topic }), el('td', { class: 'num', text: p.partition }),
      el('td', { class: 'num', text: fmtInt(p.committed) }), el('td', { class: 'num', text: fmtInt(p.end_offset) }),
      el('td', { class: 'num', text: fmtInt(p.lag) }), el('td', null, badge(p.status)))));
    const hist = g.history || [];
    groupCharts.get(g.group).setData([hist.map((h) => h[0] / 1000), hist.map((h) => (isNum(h[1]) ? h[1] : null))]);
  }

  function renderGroups(data) {
    if (!data) return;
    const groups = (data.groups || []).slice().sort((a, b) =>
      ((STATUS_RANK[a.status] ?? 0) - (STATUS_RANK[b.status] ?? 0)) || a.group.localeCompare(b.group));
    reconcile($('group-cards'), groups, (g) => g.group, makeGroupCard, updateGroupCard, (k) => {
      const c = groupCharts.get(k);
      if (c) c.destroy();
      groupCharts.delete(k);
    });
    empty('groups-empty', groups.length === 0, 'No consumer groups yet.');
    const nav = $('nav-groups');
    nav.textContent = groups.length ? String(groups.length) : '';
    const worst = groups.length ? groups[0].status : 'OK';
    nav.className = 'count' + (worst === 'OK' || !worst ? '' : worst === 'WARN' ? ' warn' : ' crit');
  }

  // ---------- jobs ----------
  const JOB_FIGURES = [
    ['records_per_s', 'Records/s', fmtRate], ['records_processed', 'Processed', fmtInt],
    ['bad_records', 'Bad records', fmtInt], ['consumer_lag', 'Consumer lag', fmtInt],
    ['watermark_lag_ms', 'Watermark lag', fmtMs], ['late_records', 'Late records', fmtInt],
    ['commits', 'Commits', fmtInt], ['last_commit_ms', 'Last commit', fmtMs],
    ['max_commit_ms', 'Max commit', fmtMs], ['state_entries', 'State entries', fmtInt],
    ['state_bytes', 'State size', fmtBytes], ['thread_restarts', 'Restarts', fmtInt],
  ];

  function makeJobCard(j) {
    const card = el('article', { class: 'card job', 'data-job': j.job, 'aria-label': `Job ${j.job}` },
      el('header', { class: 'card-head' }, el('h3', { text: j.job }), el('span', { class: 'facts muted' })),
      el('dl', { class: 'figures' }),
      el('div', { class: 'job-body' },
        el('div', { class: 'ops-wrap' }, el('h4', { text: 'Operators' }), el('ol', { class: 'ops', 'aria-label': `Operators of ${j.job}, source first` })),
        el('div', { class: 'chart small', role: 'img', 'aria-label': `Records per second of job ${j.job} over the last 5 minutes` })));
    jobCharts.set(j.job, new Chart(card.querySelector('.chart'), [{ label: 'records/s', color: COLORS.rate, fill: true }],
      { height: 130 }));
    return card;
  }

  function updateJobCard(card, j, now) {
    const stale = isNum(j.updated) && now - j.updated > 30000;
    card.classList.toggle('stale', stale);
    card.querySelector('.facts').textContent = `${fmtInt(j.instances)} instance${j.instances === 1 ? '' : 's'} · ` +
      `report ${isNum(j.updated) ? fmtDuration(now - j.updated) + ' ago' : DASH}${stale ? ' (stale)' : ''}`;
    card.querySelector('.figures').replaceChildren(...JOB_FIGURES.map(([k, label, f]) => {
      const warn = (k === 'bad_records' || k === 'thread_restarts') && j[k] > 0;
      return el('div', { class: warn ? 'fig warn' : 'fig', 'data-figure': k }, el('dt', { text: label }), el('dd', { text: f(j[k]) }));
    }));
    const ops = j.operators || [];
    card.querySelector('.ops').replaceChildren(...(ops.length ? ops.map((o) => el('li', { class: 'op' },
      el('span', { class: 'op-name', text: o.node }),
      el('span', { class: 'op-rates', text: `in ${fmtRate(o.in_per_s)}/s · out ${fmtRate(o.out_per_s)}/s` }),
      (o.late > 0 || o.dropped > 0)
        ? el('span', { class: 'op-warn', text: `late ${fmtInt(o.late)} · dropped ${fmtInt(o.dropped)}` }) : null))
      : [el('li', { class: 'empty', text: 'No operator figures reported.' })]));
    let h = jobHist.get(j.job);
    if (!h) { h = new History(['records_per_s']); jobHist.set(j.job, h); }
    h.push(now, [j.records_per_s]);
    jobCharts.get(j.job).setData(h.data());
  }

  function renderJobs(data) {
    if (!data) return;
    const now = isNum(data.time) ? data.time : Date.now();
    const jobs = (data.jobs || []).slice().sort((a, b) => a.job.localeCompare(b.job));
    reconcile($('job-cards'), jobs, (j) => j.job, makeJobCard, (c, j) => updateJobCard(c, j, now), (k) => {
      const c = jobCharts.get(k);
      if (c) c.destroy();
      jobCharts.delete(k);
      jobHist.delete(k);
    });
    empty('jobs-empty', jobs.length === 0,
      'No jobs yet. Running jobs publish their figures to the edgestream-job-metrics topic every few seconds.');
    $('nav-jobs').textContent = jobs.length ? String(jobs.length) : '';
  }

  // ---------- ad attribution ----------
  function renderAttribution(data) {
    if (!data) return;
    const rows = (data.campaigns || []).slice().sort((a, b) => (b.revenue || 0) - (a.revenue || 0));
    const max = Math.max(0, ...rows.map((r) => (isNum(r.revenue) ? r.revenue : 0)));
    $('attribution-rows').replaceChildren(...rows.map((r) => el('tr', { 'data-campaign': r.campaign },
      el('th', { scope: 'row', text: r.campaign }),
      el('td', { class: 'barcol' }, el('div', { class: 'hbar' },
        el('span', { class: 'hbar-fill', style: `width:${max > 0 && isNum(r.revenue) ? (r.revenue / max) * 100 : 0}%`, 'aria-hidden': 'true' }),
        el('span', { class: 'hbar-value', text: fmtMoney(r.revenue) }))),
      el('td', { class: 'num', text: fmtInt(r.impressions) }),
      el('td', { class: 'num', text: fmtInt(r.clicks) }),
      el('td', { class: 'num', text: fmtInt(r.conversions) }),
      el('td', { class: 'num', text: r.impressions > 0 && isNum(r.clicks) ? fmtPct(r.clicks / r.impressions) : DASH }),
      el('td', { class: 'num', text: fmtClock(r.window_end) }))));
    $('attribution-table').hidden = rows.length === 0;
    empty('attribution-empty', rows.length === 0,
      `No attribution results yet. The ad-attribution job writes them to ${data.topic || 'ad-campaign-stats'}.`);
    const total = rows.reduce((s, r) => s + (isNum(r.revenue) ? r.revenue : 0), 0);
    $('attribution-meta').textContent = rows.length
      ? `${rows.length} campaign${rows.length > 1 ? 's' : ''} · total ${fmtMoney(total)} · from ${data.topic || 'ad-campaign-stats'}`
      : '';
  }

  // ---------- applying a snapshot ----------
  function apply(snap) {
    lastSnapshot = Object.assign({}, lastSnapshot, Object.fromEntries(
      Object.entries(snap).filter(([, v]) => v !== null && v !== undefined)));
    const steps = [
      () => renderOverview(snap.overview),
      () => {
        const list = snap.alerts ? snap.alerts.alerts : snap.overview && snap.overview.alerts;
        const t = (snap.alerts && snap.alerts.time) || (snap.overview && snap.overview.time) || Date.now();
        renderAlerts(list, t);
      },
      () => renderTopics(snap.topics),
      () => renderGroups(snap.groups),
      () => renderJobs(snap.jobs),
      () => renderAttribution(snap.attribution),
    ];
    for (const step of steps) {
      try { step(); } catch (e) { console.error('dashboard: render failed', e); }
    }
  }

  // ---------- connection: stream first, polling while it is down ----------
  let source = null;
  let lastStreamAt = 0;
  let reconnectTimer = null;
  let retryMs = 1000;
  let polling = false;
  let pollBusy = false;

  function setMode(mode, text) {
    document.body.dataset.mode = mode;
    const c = $('conn');
    c.className = `conn-badge mode-${mode}`;
    c.textContent = text;
  }

  function connect() {
    reconnectTimer = null;
    if (!window.EventSource) { startPolling(); return; }
    if (source) source.close();
    source = new EventSource('v1/stream');
    lastStreamAt = Date.now();  // the silence watchdog counts from here until the first snapshot
    source.addEventListener('snapshot', (e) => {
      let snap;
      try { snap = JSON.parse(e.data); } catch (err) { console.error('dashboard: bad snapshot', err); return; }
      lastStreamAt = Date.now();
      retryMs = 1000;
      stopPolling();
      setMode('live', 'Live');
      apply(snap);
    });
    source.addEventListener('error', () => streamDown());
  }

  function streamDown() {
    if (source) { source.close(); source = null; }
    startPolling();
    if (!reconnectTimer) {
      reconnectTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    }
  }

  function startPolling() {
    if (polling) return;
    polling = true;
    if (document.body.dataset.mode !== 'offline') setMode('polling', 'Polling (stream down)');
    poll();
  }

  function stopPolling() { polling = false; }

  async function poll() {
    if (!polling || pollBusy) return;
    pollBusy = true;
    try {
      const answers = await Promise.all(ENDPOINTS.map((n) =>
        fetch(`v1/${n}`, { cache: 'no-store' }).then((r) => (r.ok ? r.json() : null)).catch(() => null)));
      if (!polling) return;
      if (answers.every((a) => a === null)) {
        setMode('offline', 'Offline, retrying');
      } else {
        setMode('polling', 'Polling (stream down)');
        const snap = {};
        ENDPOINTS.forEach((n, i) => { snap[n] = answers[i]; });
        apply(snap);
      }
    } finally {
      pollBusy = false;
      if (polling) setTimeout(poll, POLL_MS);
    }
  }

  // A stream that stays open but goes silent counts as down too.
  setInterval(() => {
    if (source && Date.now() - lastStreamAt > STREAM_SILENCE_MS) streamDown();
  }, 1000);

  $('show-internal').addEventListener('change', () => renderTopics(lastSnapshot && lastSnapshot.topics));

  // Exposed for tests and the console.
  window.edgestreamDashboard = { snapshot: () => lastSnapshot };
  setMode('connecting', 'Connecting…');
  connect();
}());
// A broker as host:port when the server knows its address, else by its id.
function brokerName(b) {
  return b.host ? `${b.host}:${b.port}` : `id ${b.id}`;
}

