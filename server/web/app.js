// sondhan's search page: the address holds every state (/?q=..., /article/{id}?q=...); the page
// asks the JSON API and builds everything from DOM nodes. Record text only ever becomes text
// nodes; the server's highlighted HTML is read by allowing <mark> and nothing else.
'use strict';

const PAGE_SIZE = 10;
const MAX_PAGE = 1001; // the API's offset limit (10,000) over PAGE_SIZE, plus the first page
const FACETS = ['source', 'category', 'year'];
const FACET_LABELS = { source: 'সূত্র', category: 'বিভাগ', year: 'বছর' };
const FACET_SHOWN = 8; // values per facet before "আরও"
const SORTS = ['relevance', '-date', 'date'];
const MONTHS = ['জানুয়ারি', 'ফেব্রুয়ারি', 'মার্চ', 'এপ্রিল', 'মে', 'জুন', 'জুলাই', 'আগস্ট',
  'সেপ্টেম্বর', 'অক্টোবর', 'নভেম্বর', 'ডিসেম্বর'];
const BN_DIGITS = '০১২৩৪৫৬৭৮৯';
const SUGGEST_LIMIT = 8;

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('search-form'), q: $('q'), list: $('suggestions'),
  helpButton: $('help-button'), help: $('help'), helpClose: $('help-close'),
  main: $('main'), home: $('home-view'), search: $('search-view'), article: $('article-view'),
  resultsTitle: $('results-title'), summary: $('summary'), activeFilters: $('active-filters'),
  filters: $('filters'), sort: $('sort'), from: $('from'), to: $('to'), facets: $('facets'),
  message: $('message'), results: $('results'), pager: $('pager'),
  backLink: $('back-link'), articleTitle: $('article-title'), articleMeta: $('article-meta'),
  articleBody: $('article-body'), articleTags: $('article-tags'), articleLink: $('article-source-link'),
  articleVersions: $('article-versions'), articleRelated: $('article-related'),
};

// ---- Text: Bengali digits, dates, counts ----

const bnDigits = (text) => String(text).replace(/[0-9]/g, (d) => BN_DIGITS[d]);
const countFormat = new Intl.NumberFormat('bn-BD'); // Bengali digits, lakh grouping (১২,৩৪,৫৬৭)
const msFormat = new Intl.NumberFormat('bn-BD', { maximumFractionDigits: 1 });
const bnCount = (n) => countFormat.format(n);

/** "2025-08-13" or "2025-08-13T10:15:00+06:00" → "১৩ আগস্ট ২০২৫" (the article's own date). */
function bnDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text || '');
  const month = m && MONTHS[Number(m[2]) - 1];
  return month ? `${bnDigits(Number(m[3]))} ${month} ${bnDigits(m[1])}` : String(text || '');
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- The server's highlighted HTML, read safely ----

const ENTITIES = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Splits the server's escaped text with <mark>s into runs of plain text, marked or not. */
function markedRuns(html) {
  const runs = [];
  let marked = false;
  for (const part of String(html).split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part) runs.push({ text: part.replace(/&(?:amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]), marked });
  }
  return runs;
}

function appendRuns(parent, runs) {
  for (const run of runs) parent.append(run.marked ? el('mark', '', run.text) : run.text);
}

/** Only absolute http(s) addresses become links (never javascript:, data: and the like). */
function safeUrl(url) {
  if (typeof url !== 'string') return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

const asList = (v) => (Array.isArray(v) ? v : v === null || v === undefined || v === '' ? [] : [v]).map(String);

// ---- State in the address ----

const isDate = (v) => /^\d{4}-\d{2}-\d{2}$/.test(v || '');

function readState() {
  const p = new URLSearchParams(location.search);
  const q = (p.get('q') || '').trim();
  if (location.pathname.startsWith('/article/')) {
    let id = location.pathname.slice('/article/'.length);
    try { id = decodeURIComponent(id); } catch { /* keep it as written */ }
    return { view: 'article', id, q };
  }
  const page = Number.parseInt(p.get('page') || '1', 10);
  const state = {
    view: 'search', q,
    source: p.getAll('source').filter(Boolean),
    category: p.getAll('category').filter(Boolean),
    from: p.get('from') || '', to: p.get('to') || '',
    sort: SORTS.includes(p.get('sort')) ? p.get('sort') : 'relevance',
    page: Number.isFinite(page) && page >= 1 ? Math.min(page, MAX_PAGE) : 1,
  };
  if (!q && !state.source.length && !state.category.length && !state.from && !state.to) state.view = 'home';
  return state;
}

const blankSearch = () => ({ view: 'search', q: '', source: [], category: [], from: '', to: '', sort: 'relevance', page: 1 });

function searchParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  for (const v of s.source) p.append('source', v);
  for (const v of s.category) p.append('category', v);
  if (s.from) p.set('from', s.from);
  if (s.to) p.set('to', s.to);
  if (s.sort !== 'relevance') p.set('sort', s.sort);
  if (s.page > 1) p.set('page', String(s.page));
  return p;
}

function searchHref(s) {
  const qs = searchParams(s).toString();
  return qs ? `/?${qs}` : '/';
}

function apiSearchUrl(s) {
  const p = searchParams(s);
  p.set('limit', String(PAGE_SIZE));
  p.set('facets', FACETS.join(','));
  return `/search?${p}`;
}

function articleHref(id, q) {
  return `/article/${encodeURIComponent(id)}${q ? `?${new URLSearchParams({ q })}` : ''}`;
}

const hasFilters = (s) => s.source.length > 0 || s.category.length > 0 || Boolean(s.from || s.to);
const yearRange = (y) => ({ from: `${y}-01-01`, to: `${y}-12-31` });

// ---- Fetching ----

class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function fetchJson(url, signal) {
  let res;
  try {
    res = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError('network', 0, 'network');
  }
  let body = null;
  try { body = await res.json(); } catch { /* not JSON */ }
  if (!res.ok || body === null || typeof body !== 'object') {
    const error = body && body.error ? body.error : {};
    throw new ApiError(String(error.message || `HTTP ${res.status}`), res.status, String(error.code || 'http'));
  }
  return body;
}

// ---- Navigation ----

let routeSeq = 0;
let pageAbort = null;
const backCache = new Map(); // search URL → response, so Back shows results at once

function rememberScroll() {
  history.replaceState({ ...(history.state || {}), scrollY: window.scrollY }, '');
}

/** Goes to `href` inside the page. focus: 'results', 'article', 'input' or null. */
function navigate(href, focus = null) {
  closeSuggestions();
  const fromSearch = location.pathname === '/' && Boolean(location.search);
  if (href === location.pathname + location.search) {
    history.replaceState({ fromSearch }, '', href);
  } else {
    rememberScroll();
    history.pushState({ fromSearch }, '', href);
  }
  route({ focus, restore: false });
}

function showView(name) {
  ui.home.hidden = name !== 'home';
  ui.search.hidden = name !== 'search';
  ui.article.hidden = name !== 'article';
  ui.main.dataset.view = name;
}

function setState(state) {
  ui.main.dataset.state = state; // loading, results, empty, error: for styles and tests
}

async function route({ focus = null, restore = true } = {}) {
  const seq = ++routeSeq;
  if (pageAbort) pageAbort.abort();
  pageAbort = new AbortController();
  closeSuggestions();
  const state = readState();
  if (state.view === 'article') {
    if (ui.q.value.trim() !== state.q) ui.q.value = state.q;
    await showArticle(state, seq, pageAbort.signal, focus);
  } else {
    syncControls(state);
    if (state.view === 'home') {
      showView('home');
      setState('home');
      document.title = 'সন্ধান — বাংলা খবর খুঁজুন';
      if (focus) ui.q.focus();
    } else {
      await showSearch(state, seq, pageAbort.signal, focus, restore);
    }
  }
  if (seq !== routeSeq) return;
  const y = restore && history.state && history.state.scrollY;
  window.scrollTo(0, y || 0);
  document.documentElement.dataset.ready = '1';
}

function syncControls(state) {
  if (ui.q.value.trim() !== state.q) ui.q.value = state.q;
  ui.sort.value = state.sort || 'relevance';
  if (ui.from.value !== (state.from || '')) ui.from.value = state.from || '';
  if (ui.to.value !== (state.to || '')) ui.to.value = state.to || '';
}

// ---- Search results ----

async function showSearch(state, seq, signal, focus, fromHistory) {
  showView('search');
  document.title = `${state.q || 'সব খবর'} — সন্ধান`;
  ui.resultsTitle.textContent = state.q ? `“${state.q}” খোঁজার ফলাফল` : 'সব খবর';
  const url = apiSearchUrl(state);
  // Back and Forward show what was there; a new search always asks the server.
  let data = fromHistory ? backCache.get(url) : undefined;
  if (!data) {
    setState('loading');
    ui.results.setAttribute('aria-busy', 'true');
    ui.summary.textContent = 'খোঁজা হচ্ছে…';
    try {
      data = await fetchJson(url, signal);
    } catch (err) {
      if (err.name === 'AbortError' || seq !== routeSeq) return;
      ui.results.removeAttribute('aria-busy');
      renderError(state, err);
      return;
    }
    if (seq !== routeSeq) return;
    backCache.set(url, data);
    if (backCache.size > 30) backCache.delete(backCache.keys().next().value);
  }
  ui.results.removeAttribute('aria-busy');
  renderResults(state, data);
  if (focus === 'results') ui.resultsTitle.focus();
}

function renderResults(state, data) {
  const hits = Array.isArray(data.hits) ? data.hits : [];
  const total = Number(data.total) || 0;
  const offset = Number(data.offset) || 0;
  const about = data.total_is_exact === false ? 'প্রায় ' : '';
  const took = `${msFormat.format(Number(data.took_ms) || 0)} মিলিসেকেন্ড`;
  if (hits.length > 0) {
    const range = total > hits.length
      ? ` ${bnCount(offset + 1)}–${bnCount(offset + hits.length)} দেখানো হচ্ছে।` : '';
    ui.summary.textContent = `${about}${bnCount(total)}টি খবর পাওয়া গেছে (${took})।${range}`;
  } else {
    ui.summary.textContent = total > 0 ? `এই পাতায় কিছু নেই (${took})।` : `কোনো খবর পাওয়া যায়নি (${took})।`;
  }
  ui.results.replaceChildren(...hits.map((hit) => hitNode(hit, state)));
  renderActiveFilters(state);
  renderFacets(state, data.facets || {});
  renderPager(state, total);
  if (hits.length === 0) renderNoResults(state, total);
  else ui.message.hidden = true;
  setState(hits.length ? 'results' : 'empty');
}

function hitNode(hit, state) {
  const li = el('li', 'hit');
  const heading = el('h2', 'hit-title');
  const external = safeUrl(hit.url);
  const inside = articleHref(String(hit.id), state.q);
  const link = el('a');
  link.href = external || inside;
  if (external) link.rel = 'noopener noreferrer';
  else link.dataset.nav = '';
  const titleHtml = hit.highlights && hit.highlights.title;
  if (typeof titleHtml === 'string' && titleHtml) appendRuns(link, markedRuns(titleHtml));
  else link.textContent = hit.title ? String(hit.title) : 'শিরোনামহীন';
  heading.append(link);
  li.append(heading, metaLine(hit));
  if (hit.snippet) {
    const snippet = el('p', 'snippet');
    appendRuns(snippet, markedRuns(hit.snippet));
    li.append(snippet);
  }
  const versions = Number(hit.versions) || 0;
  if (versions > 0) {
    // Copies of this story folded into the hit (collapse): listed in the article view.
    const line = el('p', 'hit-versions');
    const a = el('a', '', `এই খবরের আরও ${bnCount(versions)}টি সংস্করণ`);
    a.href = inside;
    a.dataset.nav = '';
    line.append(a);
    li.append(line);
  }
  if (external) {
    const more = el('p', 'hit-links');
    const stored = el('a', '', 'সংরক্ষিত লেখা পড়ুন');
    stored.href = inside;
    stored.dataset.nav = '';
    more.append(stored, el('span', 'host', new URL(external).host));
    li.append(more);
  }
  return li;
}

/** Date · source · category · author, into `meta` (a new paragraph unless given). */
function metaLine(record, meta = el('p', 'meta')) {
  meta.replaceChildren();
  const parts = [];
  if (record.date) {
    const time = el('time', '', bnDate(record.date));
    time.dateTime = String(record.date).slice(0, 10);
    parts.push(time);
  }
  for (const value of [record.source, record.category]) {
    if (value) parts.push(el('span', '', String(value)));
  }
  const authors = asList(record.author);
  if (authors.length) parts.push(el('span', 'author', authors.join(', ')));
  parts.forEach((part, i) => {
    if (i > 0) meta.append(el('span', 'sep', ' · '));
    meta.append(part);
  });
  return meta;
}

function navLink(text, state, className) {
  const a = el('a', className, text);
  a.href = searchHref(state);
  a.dataset.nav = '';
  return a;
}

function renderFacets(state, facets) {
  const groups = [];
  for (const name of FACETS) {
    const values = Array.isArray(facets[name]) ? facets[name] : [];
    if (!values.length) continue;
    const section = el('section', 'facet');
    const headingId = `facet-${name}`;
    const heading = el('h2', '', FACET_LABELS[name]);
    heading.id = headingId;
    const list = el('ul');
    list.setAttribute('aria-labelledby', headingId);
    values.forEach(({ value, count }, i) => {
      const v = String(value);
      let active;
      let next;
      if (name === 'year') {
        const range = yearRange(v);
        active = state.from === range.from && state.to === range.to;
        next = active ? { ...state, from: '', to: '' } : { ...state, ...range };
      } else {
        active = state[name].includes(v);
        next = { ...state, [name]: active ? state[name].filter((x) => x !== v) : [...state[name], v] };
      }
      const a = navLink('', { ...next, page: 1 }, active ? 'facet-value active' : 'facet-value');
      a.append(el('span', 'facet-name', name === 'year' ? bnDigits(v) : v),
        el('span', 'count', bnCount(Number(count) || 0)));
      if (active) a.setAttribute('aria-current', 'true');
      a.title = active ? 'ফিল্টারটি সরাতে চাপুন' : 'শুধু এগুলো দেখুন';
      const li = el('li');
      if (i >= FACET_SHOWN) li.hidden = true;
      li.append(a);
      list.append(li);
    });
    section.append(heading, list);
    if (values.length > FACET_SHOWN) {
      const more = el('button', 'link-button', `আরও ${bnCount(values.length - FACET_SHOWN)}টি`);
      more.type = 'button';
      more.setAttribute('aria-expanded', 'false');
      more.addEventListener('click', () => {
        const open = more.getAttribute('aria-expanded') !== 'true';
        list.querySelectorAll('li').forEach((li, i) => { if (i >= FACET_SHOWN) li.hidden = !open; });
        more.setAttribute('aria-expanded', String(open));
        more.textContent = open ? 'কম দেখান' : `আরও ${bnCount(values.length - FACET_SHOWN)}টি`;
      });
      section.append(more);
    }
    groups.push(section);
  }
  ui.facets.replaceChildren(...groups);
}

function renderActiveFilters(state) {
  const chips = [];
  const chip = (label, next) => {
    const a = navLink('', { ...next, page: 1 }, 'chip');
    a.append(el('span', '', label), el('span', 'chip-x', '✕'));
    a.setAttribute('aria-label', `ফিল্টার সরান: ${label}`);
    const li = el('li');
    li.append(a);
    chips.push(li);
  };
  for (const name of ['source', 'category']) {
    for (const v of state[name]) {
      chip(`${FACET_LABELS[name]}: ${v}`, { ...state, [name]: state[name].filter((x) => x !== v) });
    }
  }
  if (state.from || state.to) {
    const range = `${state.from ? bnDate(state.from) : '…'} – ${state.to ? bnDate(state.to) : '…'}`;
    chip(`তারিখ: ${range}`, { ...state, from: '', to: '' });
  }
  if (chips.length > 1) {
    const li = el('li');
    li.append(navLink('সব ফিল্টার মুছুন', { ...blankSearch(), q: state.q, sort: state.sort }, 'clear-all'));
    chips.push(li);
  }
  ui.activeFilters.replaceChildren(...chips);
  ui.activeFilters.hidden = chips.length === 0;
}

function renderPager(state, total) {
  const last = Math.min(Math.ceil(total / PAGE_SIZE), MAX_PAGE);
  if (last <= 1 && state.page <= 1) {
    ui.pager.hidden = true;
    ui.pager.replaceChildren();
    return;
  }
  const list = el('ul');
  const item = (node) => { const li = el('li'); li.append(node); list.append(li); };
  if (state.page > 1) item(navLink('← আগের পাতা', { ...state, page: Math.min(state.page - 1, Math.max(last, 1)) }, 'prev'));
  const pages = new Set([1, last]);
  for (let p = state.page - 2; p <= state.page + 2; p++) if (p >= 1 && p <= last) pages.add(p);
  let previous = 0;
  for (const p of [...pages].sort((a, b) => a - b)) {
    if (p < 1) continue;
    if (p > previous + 1) item(el('span', 'gap', '…'));
    const a = navLink(bnDigits(p), { ...state, page: p }, 'page');
    a.setAttribute('aria-label', `পাতা ${bnDigits(p)}`);
    if (p === state.page) a.setAttribute('aria-current', 'page');
    item(a);
    previous = p;
  }
  if (state.page < last) item(navLink('পরের পাতা →', { ...state, page: state.page + 1 }, 'next'));
  ui.pager.replaceChildren(list);
  ui.pager.hidden = false;
}

/** The words of a query without its operators, for "try this instead" links. */
function plainWords(q) {
  return q.replace(/\b(?:title|source|category|author|tag|year):/g, ' ')
    .replace(/["()+]/g, ' ')
    .split(/\s+/)
    .filter((w) => w && !w.startsWith('-') && !['AND', 'OR', 'NOT'].includes(w));
}

function renderNoResults(state, total) {
  const box = ui.message;
  box.className = 'message empty';
  const tips = el('ul');
  const tip = (...nodes) => { const li = el('li'); li.append(...nodes); tips.append(li); };
  let heading;
  if (total > 0) {
    heading = el('h2', '', 'এই পাতায় আর ফলাফল নেই');
    tip(navLink('প্রথম পাতায় যান', { ...state, page: 1 }));
  } else {
    heading = el('h2', '', state.q ? `“${state.q}” লিখে কোনো খবর পাওয়া যায়নি` : 'এই ফিল্টারে কোনো খবর নেই');
    const words = plainWords(state.q);
    if (hasFilters(state)) {
      tip(navLink('ফিল্টার ছাড়া একই খোঁজ', { ...blankSearch(), q: state.q, sort: state.sort }), ' — তারিখ, সূত্র বা বিভাগ বাদ দিয়ে।');
    }
    if (words.length && words.join(' ') !== state.q) {
      tip('চিহ্ন ছাড়া শুধু শব্দগুলো: ', navLink(words.join(' '), { ...state, q: words.join(' '), page: 1 }));
    }
    if (words.length > 1 && !/\bOR\b/.test(state.q)) {
      const any = words.join(' OR ');
      tip('যেকোনো একটি শব্দ থাকলেই চলবে: ', navLink(any, { ...state, q: any, page: 1 }));
    }
    tip('বানান দেখে নিন, বা কাছাকাছি অন্য শব্দ লিখুন (যেমন সরকারি/সরকারী দুটোই চলে)।');
    tip('কম শব্দে খুঁজুন; পুরো শিরোনাম নয়, মনে থাকা দু-একটি শব্দ লিখুন।');
  }
  box.replaceChildren(heading, el('p', '', 'যা করে দেখতে পারেন:'), tips);
  box.hidden = false;
}

function renderError(state, err) {
  setState('error');
  ui.results.replaceChildren();
  ui.facets.replaceChildren();
  ui.pager.hidden = true;
  renderActiveFilters(state);
  const box = ui.message;
  box.className = 'message error';
  const badQuery = err.status === 400;
  ui.summary.textContent = badQuery ? 'খোঁজার কথাটি বোঝা যায়নি।' : 'খোঁজা যায়নি।';
  const heading = el('h2', '', badQuery ? `“${state.q}” বোঝা গেল না` : 'সার্ভার থেকে উত্তর পাওয়া যায়নি');
  const explain = el('p', '', badQuery
    ? 'বন্ধনী ( ) আর উদ্ধৃতিচিহ্ন " " জোড়ায় জোড়ায় আছে কি না, আর title: এর পরে শব্দ আছে কি না দেখে নিন। খোঁজার নিয়ম দেখতে ওপরের “?” বোতাম চাপুন।'
    : 'সার্ভার চালু আছে কি না দেখুন, তারপর আবার চেষ্টা করুন।');
  const nodes = [heading, explain];
  if (err.code !== 'network') {
    const detail = el('p', 'detail', 'সার্ভারের বার্তা: ');
    detail.append(el('code', '', err.message));
    nodes.push(detail);
  }
  const actions = el('p', 'actions');
  if (badQuery && plainWords(state.q).length) {
    const words = plainWords(state.q).join(' ');
    actions.append(navLink(`শুধু শব্দগুলো খুঁজুন: ${words}`, { ...state, q: words, page: 1 }), ' ');
  }
  const retry = el('button', '', 'আবার চেষ্টা করুন');
  retry.type = 'button';
  retry.addEventListener('click', () => route({ focus: 'results' }));
  actions.append(retry);
  nodes.push(actions);
  box.replaceChildren(...nodes);
  box.hidden = false;
}

// ---- Article view ----

async function showArticle(state, seq, signal, focus) {
  showView('article');
  setState('loading');
  ui.backLink.href = state.q ? searchHref({ ...blankSearch(), q: state.q }) : '/';
  ui.articleTitle.textContent = 'খবরটি আনা হচ্ছে…';
  ui.articleMeta.replaceChildren();
  ui.articleBody.replaceChildren();
  ui.articleTags.hidden = true;
  ui.articleLink.hidden = true;
  ui.articleVersions.hidden = true;
  ui.articleRelated.hidden = true;
  const url = `/documents/${encodeURIComponent(state.id)}${state.q ? `?${new URLSearchParams({ q: state.q })}` : ''}`;
  let doc;
  try {
    doc = await fetchJson(url, signal);
  } catch (err) {
    if (err.name === 'AbortError' || seq !== routeSeq) return;
    setState('error');
    ui.articleTitle.textContent = err.status === 404 ? 'খবরটি পাওয়া যায়নি' : 'খবরটি আনা যায়নি';
    ui.articleBody.replaceChildren(el('p', '', err.status === 404
      ? `“${state.id}” নামে কোনো খবর সংগ্রহে নেই; হয়তো সরানো হয়েছে।`
      : 'সার্ভারের সঙ্গে যোগাযোগ হয়নি; একটু পরে আবার চেষ্টা করুন।'));
    document.title = `${ui.articleTitle.textContent} — সন্ধান`;
    if (focus) ui.articleTitle.focus();
    return;
  }
  if (seq !== routeSeq) return;
  const marks = doc.highlights && typeof doc.highlights === 'object' ? doc.highlights : {};
  ui.articleTitle.replaceChildren();
  if (typeof marks.title === 'string' && marks.title) appendRuns(ui.articleTitle, markedRuns(marks.title));
  else ui.articleTitle.textContent = doc.title ? String(doc.title) : 'শিরোনামহীন';
  metaLine(doc, ui.articleMeta);
  const runs = typeof marks.body === 'string' ? markedRuns(marks.body) : [{ text: String(doc.body || ''), marked: false }];
  ui.articleBody.replaceChildren(...paragraphs(runs));
  const tags = asList(doc.tags);
  if (tags.length) {
    ui.articleTags.textContent = `ট্যাগ: ${tags.join(', ')}`;
    ui.articleTags.hidden = false;
  }
  const external = safeUrl(doc.url);
  if (external) {
    const a = el('a', '', 'মূল খবরটি দেখুন');
    a.href = external;
    a.rel = 'noopener noreferrer';
    ui.articleLink.replaceChildren(a, el('span', 'host', new URL(external).host));
    ui.articleLink.hidden = false;
  }
  document.title = `${doc.title ? String(doc.title) : 'খবর'} — সন্ধান`;
  setState('article');
  if (focus) ui.articleTitle.focus();
  showArticleLists(state, seq, signal);
}

/** The story's other versions and related articles under the article: extras, so a failure
 * leaves them hidden rather than spoiling the page. */
async function showArticleLists(state, seq, signal) {
  const base = `/documents/${encodeURIComponent(state.id)}`;
  const fill = async (section, url, key) => {
    let body;
    try {
      body = await fetchJson(url, signal);
    } catch {
      return;
    }
    if (seq !== routeSeq) return;
    const items = (Array.isArray(body[key]) ? body[key] : []).filter((a) => String(a.id) !== state.id);
    if (!items.length) return;
    const list = section.querySelector('ul');
    list.replaceChildren(...items.map((a) => {
      const li = el('li', 'article-ref');
      const link = el('a', '', a.title ? String(a.title) : 'শিরোনামহীন');
      link.href = articleHref(String(a.id), state.q);
      link.dataset.nav = '';
      li.append(link, metaLine(a));
      return li;
    }));
    section.hidden = false;
  };
  await Promise.all([fill(ui.articleVersions, `${base}/versions`, 'versions'),
    fill(ui.articleRelated, `${base}/related?limit=5`, 'related')]);
}

/** Runs of text (some marked) into paragraphs, one per line of the body. */
function paragraphs(runs) {
  const out = [];
  let p = el('p');
  for (const run of runs) {
    run.text.split('\n').forEach((piece, i) => {
      if (i > 0) {
        if (p.childNodes.length) out.push(p);
        p = el('p');
      }
      if (piece) p.append(run.marked ? el('mark', '', piece) : piece);
    });
  }
  if (p.childNodes.length) out.push(p);
  return out;
}

// ---- Suggestions (ARIA combobox with a listbox) ----

let suggestAbort = null;
let suggestSeq = 0;
let suggestions = [];
let activeIndex = -1;

function closeSuggestions() {
  suggestSeq++;
  if (suggestAbort) suggestAbort.abort();
  suggestions = [];
  activeIndex = -1;
  ui.list.hidden = true;
  ui.list.replaceChildren();
  ui.q.setAttribute('aria-expanded', 'false');
  ui.q.removeAttribute('aria-activedescendant');
}

async function requestSuggestions() {
  const value = ui.q.value;
  // Only the word being typed is completed: nothing after a space.
  if (!value.trim() || /\s$/.test(value)) {
    closeSuggestions();
    return;
  }
  if (suggestAbort) suggestAbort.abort();
  const seq = ++suggestSeq;
  suggestAbort = new AbortController();
  let data;
  try {
    data = await fetchJson(`/suggest?${new URLSearchParams({ q: value, limit: String(SUGGEST_LIMIT) })}`, suggestAbort.signal);
  } catch {
    if (seq === suggestSeq) closeSuggestions();
    return;
  }
  if (seq !== suggestSeq || ui.q.value !== value || document.activeElement !== ui.q) return;
  showSuggestions(Array.isArray(data.completions) ? data.completions : []);
}

function showSuggestions(items) {
  suggestions = items.filter((c) => c && typeof c.text === 'string' && c.text);
  activeIndex = -1;
  ui.q.removeAttribute('aria-activedescendant');
  if (!suggestions.length) {
    ui.list.hidden = true;
    ui.list.replaceChildren();
    ui.q.setAttribute('aria-expanded', 'false');
    return;
  }
  ui.list.replaceChildren(...suggestions.map((c, i) => {
    const li = el('li', 'suggestion');
    li.id = `suggestion-${i}`;
    li.setAttribute('role', 'option');
    li.setAttribute('aria-selected', 'false');
    const word = typeof c.word === 'string' ? c.word : '';
    const text = el('span', 'suggestion-text');
    if (word && c.text.endsWith(word)) {
      text.append(c.text.slice(0, c.text.length - word.length), el('strong', '', word));
    } else {
      text.textContent = c.text;
    }
    li.append(text);
    if (Number.isFinite(Number(c.count))) li.append(el('span', 'count', `${bnCount(Number(c.count))}টি খবর`));
    li.addEventListener('mousedown', (e) => e.preventDefault()); // keep focus in the box
    li.addEventListener('click', () => chooseSuggestion(i));
    return li;
  }));
  ui.list.hidden = false;
  ui.q.setAttribute('aria-expanded', 'true');
}

function moveActive(step) {
  if (!suggestions.length) return;
  activeIndex = activeIndex + step;
  if (activeIndex >= suggestions.length) activeIndex = -1;
  else if (activeIndex < -1) activeIndex = suggestions.length - 1;
  [...ui.list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === activeIndex)));
  if (activeIndex >= 0) {
    ui.q.setAttribute('aria-activedescendant', `suggestion-${activeIndex}`);
    ui.list.children[activeIndex].scrollIntoView({ block: 'nearest' });
  } else {
    ui.q.removeAttribute('aria-activedescendant');
  }
}

function chooseSuggestion(i) {
  const choice = suggestions[i];
  if (!choice) return;
  ui.q.value = choice.text;
  closeSuggestions();
  submitSearch();
}

function submitSearch() {
  closeSuggestions();
  const current = readState();
  const base = current.view === 'search' || current.view === 'home' ? current : blankSearch();
  const next = { ...blankSearch(), ...base, view: 'search', q: ui.q.value.trim(), page: 1 };
  navigate(searchHref(next), null);
}

ui.q.addEventListener('input', requestSuggestions);
ui.q.addEventListener('keydown', (e) => {
  const open = !ui.list.hidden;
  if (e.key === 'ArrowDown') {
    e.preventDefault();
    if (open) moveActive(1);
    else requestSuggestions();
  } else if (e.key === 'ArrowUp') {
    if (open) { e.preventDefault(); moveActive(-1); }
  } else if (e.key === 'Enter') {
    if (open && activeIndex >= 0) {
      e.preventDefault();
      chooseSuggestion(activeIndex);
    }
  } else if (e.key === 'Escape') {
    if (open) { e.preventDefault(); closeSuggestions(); }
  } else if (e.key === 'Tab') {
    closeSuggestions();
  }
});
ui.q.addEventListener('blur', () => setTimeout(() => {
  if (document.activeElement !== ui.q) closeSuggestions();
}, 0));
ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  submitSearch();
});

// ---- Filters and sorting ----

function applyFilterChange(change) {
  const current = readState();
  const base = current.view === 'article' ? blankSearch() : current;
  navigate(searchHref({ ...blankSearch(), ...base, ...change, page: 1 }), null);
}

ui.sort.addEventListener('change', () => applyFilterChange({ sort: ui.sort.value }));
let dateTimer = 0;
for (const input of [ui.from, ui.to]) {
  // Typing a date fires 'change' after each complete part; wait for a pause, or for Enter.
  const apply = () => {
    clearTimeout(dateTimer);
    const from = isDate(ui.from.value) ? ui.from.value : '';
    const to = isDate(ui.to.value) ? ui.to.value : '';
    const current = readState();
    if (current.from === from && current.to === to) return;
    applyFilterChange({ from, to });
  };
  input.addEventListener('change', () => {
    clearTimeout(dateTimer);
    dateTimer = setTimeout(apply, 700);
  });
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); apply(); } });
}

const wide = window.matchMedia('(min-width: 52rem)');
const syncFilterPanel = () => { ui.filters.open = wide.matches; };
wide.addEventListener('change', syncFilterPanel);
syncFilterPanel();

// ---- Help popover ----

function setHelp(open, { returnFocus = false } = {}) {
  ui.help.hidden = !open;
  ui.helpButton.setAttribute('aria-expanded', String(open));
  if (!open && returnFocus) ui.helpButton.focus();
}

ui.helpButton.addEventListener('click', () => setHelp(ui.help.hidden));
ui.helpClose.addEventListener('click', () => setHelp(false, { returnFocus: true }));
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !ui.help.hidden) {
    setHelp(false, { returnFocus: ui.help.contains(document.activeElement) || document.activeElement === ui.helpButton });
  } else if (e.key === '/' && !e.ctrlKey && !e.metaKey && !e.altKey) {
    const t = e.target;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
    if (!typing) { e.preventDefault(); ui.q.focus(); ui.q.select(); }
  }
});
document.addEventListener('click', (e) => {
  if (!ui.help.hidden && !ui.help.contains(e.target) && !ui.helpButton.contains(e.target)) setHelp(false);
});

// ---- Links inside the page ----

document.addEventListener('click', (e) => {
  const a = e.target instanceof Element ? e.target.closest('a[data-nav]') : null;
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  e.preventDefault();
  if (a === ui.backLink && history.state && history.state.fromSearch) {
    history.back();
    return;
  }
  const path = url.pathname + url.search;
  const focus = url.pathname.startsWith('/article/') ? 'article' : url.search ? 'results' : 'input';
  navigate(path, focus);
});

// The skip link goes past the header and the filters to what the view is about.
document.querySelector('.skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  const view = ui.main.dataset.view;
  const target = view === 'search' ? ui.resultsTitle : view === 'article' ? ui.articleTitle : ui.q;
  target.focus();
  target.scrollIntoView({ block: 'start' });
});

window.addEventListener('popstate', () => route({ restore: true }));
history.scrollRestoration = 'manual';
route({ focus: location.pathname === '/' && !location.search ? 'input' : null, restore: true });
