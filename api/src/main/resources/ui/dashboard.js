// The analyst dashboard: sign-in, the camera grid with live status and the chosen camera's video,
// the identification and alert feed, search by photo, enrollment, audit verification and health.
import { call, storedKey, storeKey, forgetKey, describe } from './api.js';
import { LiveConnection } from './live.js';

const FEED_LIMIT = 50;
const $ = (id) => document.getElementById(id);

let live = null;
let watched = null; // the camera whose video is shown
let healthTimer = null;
const tiles = new Map();

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function time(value) {
  if (!value) {
    return '-';
  }
  const date = new Date(value);
  return isNaN(date) ? String(value) : date.toLocaleTimeString();
}

/** Any answer 401 ends the session: the key is forgotten and the reason shown at sign-in. */
function failed(failure, target) {
  if (failure.status === 401) {
    signOut(describe(failure));
    return;
  }
  if (target) {
    target.textContent = describe(failure);
    target.classList.add('error');
  }
}

async function signIn(key) {
  storeKey(key);
  $('sign-in-error').hidden = true;
  let cameras = null;
  let problem = null;
  try {
    cameras = await call('GET', '/api/v1/cameras');
  } catch (failure) {
    if (failure.status === 401 || failure.status === 0) {
      signOut(describe(failure));
      return;
    }
    problem = failure;
  }
  $('sign-in-panel').hidden = true;
  $('dashboard').hidden = false;
  $('sign-out').hidden = false;
  document.body.classList.add('signed-in');
  pollHealth();
  const note = $('cameras-message');
  if (problem && problem.status === 403) {
    note.hidden = false;
    note.textContent = 'This key has no analyst role: no cameras or live view. Enrollment needs an admin key, '
      + 'audit verification an auditor key.';
    return;
  }
  if (problem) { // e.g. 503 while the job's state is not ready: the live view starts, the list is asked again
    note.hidden = false;
    note.textContent = 'camera list: ' + describe(problem) + ' (asking again every 10 s)';
    cameraListTimer = setTimeout(reloadCameras, CAMERA_LIST_RETRY_MS);
  }
  startLive();
  for (const camera of cameras ? cameras.cameras : []) {
    tile(camera.cameraId, camera);
  }
}

const CAMERA_LIST_RETRY_MS = 10000;
let cameraListTimer = null;

async function reloadCameras() {
  const note = $('cameras-message');
  try {
    const cameras = await call('GET', '/api/v1/cameras');
    if (!document.body.classList.contains('signed-in')) {
      return;
    }
    note.hidden = true;
    for (const camera of cameras.cameras) {
      tile(camera.cameraId, camera);
    }
  } catch (failure) {
    if (failure.status === 401) {
      failed(failure, null);
      return;
    }
    note.textContent = 'camera list: ' + describe(failure) + ' (asking again every 10 s)';
    cameraListTimer = setTimeout(reloadCameras, CAMERA_LIST_RETRY_MS);
  }
}

function signOut(reason) {
  if (live) {
    live.close();
    live = null;
  }
  clearTimeout(healthTimer);
  clearTimeout(cameraListTimer);
  forgetKey();
  for (const entry of tiles.values()) {
    clearTimeout(entry.chartTimer);
  }
  tiles.clear();
  watched = null;
  $('cameras').replaceChildren();
  $('feed').replaceChildren();
  for (const id of ['search-result', 'enroll-result', 'audit-result']) {
    $(id).replaceChildren();
    $(id).classList.remove('error');
  }
  $('cameras-message').hidden = true;
  $('enroll').reset(); // the last user's subject details do not stay on the page
  enrollFiles = null;
  $('dashboard').hidden = true;
  $('sign-out').hidden = true;
  $('sign-in-panel').hidden = false;
  document.body.classList.remove('signed-in');
  $('connection').textContent = 'live: off';
  $('api-key').value = '';
  const error = $('sign-in-error');
  error.hidden = !reason;
  error.textContent = reason || '';
}

async function pollHealth() {
  clearTimeout(healthTimer);
  const badge = $('health');
  try {
    const health = await call('GET', '/health');
    badge.textContent = 'health: ' + health.status + ', state ' + health.state;
    badge.dataset.state = health.state;
  } catch (failure) {
    badge.textContent = 'health: ' + describe(failure);
    badge.dataset.state = 'unreachable';
  }
  healthTimer = setTimeout(pollHealth, 10000);
}

/** The tile of a camera, made on first sight (the list, or a live message of a new camera). */
function tile(cameraId, camera) {
  let entry = tiles.get(cameraId);
  if (!entry) {
    const root = element('article', 'tile');
    root.dataset.camera = cameraId;
    const title = element('h3', null, cameraId);
    const frame = element('img', 'frame');
    frame.alt = 'live view of ' + cameraId;
    const placeholder = element('div', 'placeholder', 'click to watch live');
    const status = element('p', 'status', 'waiting for status');
    const result = element('p', 'last-result', 'no result yet');
    const chart = element('canvas', 'chart');
    chart.width = 280;
    chart.height = 60;
    chart.hidden = true;
    const chartTotals = element('p', 'chart-totals');
    chartTotals.hidden = true;
    root.append(title, frame, placeholder, status, result, chart, chartTotals);
    root.addEventListener('click', () => watch(cameraId));
    $('cameras').append(root);
    entry = { root, frame, placeholder, status, result, chart, chartTotals };
    tiles.set(cameraId, entry);
    loadChart(cameraId, entry);
    if (watched === null && live) {
      watch(cameraId); // the first camera seen is shown until the analyst picks another
    }
  }
  if (camera && camera.lastSeen) {
    entry.status.textContent = 'last seen ' + time(camera.lastSeen) + ', frame ' + camera.lastSequence;
  }
  return entry;
}

/** Shows the camera's video: one camera per connection ("Live API", video channel). */
function watch(cameraId) {
  watched = cameraId;
  for (const [id, entry] of tiles) {
    entry.root.classList.toggle('watched', id === cameraId);
    if (id !== cameraId) {
      entry.frame.removeAttribute('src');
      entry.root.classList.remove('streaming');
    }
  }
  if (live) {
    live.subscribe('video', { cameraIds: [cameraId], fps: 2 });
  }
}

function startLive() {
  live = new LiveConnection({
    message: onLive,
    state: (text) => { $('connection').textContent = text; },
    refused: (status, message) => {
      if (status === 401) {
        signOut('401: the API key was refused for the live view (wrong, revoked or expired). Sign in again.');
      } else {
        $('connection').textContent = 'live: refused (' + status + ' ' + message + ')';
      }
    },
  });
  live.subscribe('results');
  live.subscribe('alerts');
  live.subscribe('cameras');
  live.subscribe('job');
  live.open();
}

function onLive(message) {
  switch (message.type) {
    case 'result': return onResult(message);
    case 'alert': return onAlert(message);
    case 'camera': return onCamera(message);
    case 'video': return onVideo(message);
    case 'job': return onJob(message);
    case 'error':
      $('connection').textContent = 'live: ' + message.error + ' (' + message.message + ')';
      return undefined;
    default: return undefined;
  }
}

function onResult(result) {
  const entry = tile(result.cameraId);
  const faces = result.faces || [];
  const boxes = faces.map((f) => Math.round(f.box.width) + 'x' + Math.round(f.box.height)
    + (f.identification && f.identification.matched ? ' ' + f.identification.subjectId : '')).join(', ');
  entry.result.textContent = 'frame ' + result.sequence + ': ' + faces.length + ' face(s)' + (boxes ? ' [' + boxes + ']' : '');
  entry.root.dataset.faces = String(faces.length);
  for (const face of faces) {
    if (face.identification && face.identification.matched) {
      addFeed('identification', result.cameraId + ' #' + result.sequence + ': ' + face.identification.subjectId
        + ' (distance ' + face.identification.distance + ')', result.captureTime, face.identification.subjectId);
    }
  }
}

function onAlert(alert) {
  addFeed('alert', 'WATCHLIST ' + alert.subjectId + ' at ' + alert.cameraId + ' #' + alert.sequence
    + ' (distance ' + alert.distance + ')', alert.captureTime, alert.subjectId);
}

function addFeed(kind, text, when, subjectId) {
  const item = element('li', kind, time(when) + ' ' + text);
  item.dataset.subject = subjectId;
  const feed = $('feed');
  feed.prepend(item);
  while (feed.children.length > FEED_LIMIT) {
    feed.lastElementChild.remove();
  }
}

function onCamera(camera) {
  const entry = tile(camera.cameraId);
  entry.status.textContent = 'last seen ' + time(camera.lastSeen) + ', ' + Number(camera.framesPerSecond).toFixed(1)
    + ' frames/s, lag ' + (camera.lagMillis == null ? '-' : camera.lagMillis + ' ms')
    + (camera.deadLetters == null ? '' : ', ' + camera.deadLetters + ' dead letters');
}

function onVideo(video) {
  if (video.cameraId !== watched) {
    return;
  }
  const entry = tile(video.cameraId);
  entry.frame.src = 'data:image/jpeg;base64,' + video.jpeg;
  entry.root.classList.add('streaming');
  entry.root.dataset.videoSequence = String(video.sequence);
  entry.root.dataset.videoFaces = String(video.faces);
}

function onJob(job) {
  const badge = $('job');
  badge.textContent = 'job: ' + job.state + (job.running ? '' : ' (not running)')
    + (job.lastCheckpointId == null ? '' : ', checkpoint ' + job.lastCheckpointId)
    + (job.restarts == null ? '' : ', ' + job.restarts + ' restarts');
  badge.dataset.state = job.running ? 'reachable' : 'not_ready';
}

const CHART_REFRESH_MS = 60000;

/**
 * The per-camera chart from GET /api/v1/analytics/cameras/{id} (the last hour, per minute): frames
 * as grey bars, described faces as blue and unknown faces as orange bars inside them. Redrawn every
 * minute while the tile exists; hidden when the route refuses (e.g. no analytics state yet).
 */
async function loadChart(cameraId, entry) {
  clearTimeout(entry.chartTimer);
  let analytics;
  try {
    analytics = await call('GET', '/api/v1/analytics/cameras/' + encodeURIComponent(cameraId) + '?step=minute');
  } catch (failure) {
    failed(failure, null);
    analytics = null;
  }
  if (tiles.get(cameraId) !== entry) {
    return; // signed out or replaced while the answer was on its way
  }
  entry.chartTimer = setTimeout(() => loadChart(cameraId, entry), CHART_REFRESH_MS);
  const buckets = analytics && Array.isArray(analytics.buckets) ? analytics.buckets : [];
  const total = (field) => buckets.reduce((sum, b) => sum + b[field], 0);
  if (total('frames') + total('deadLetters') === 0) {
    entry.chart.hidden = true;
    entry.chartTotals.hidden = true;
    return;
  }
  drawChart(entry.chart, buckets);
  entry.chart.dataset.frames = String(total('frames'));
  entry.chartTotals.textContent = 'last hour per minute: ' + total('frames') + ' frames, ' + total('described')
    + ' faces described, ' + total('unknown') + ' unknown, ' + total('deadLetters') + ' dead letters';
  entry.chart.hidden = false;
  entry.chartTotals.hidden = false;
}

function drawChart(canvas, buckets) {
  const context = canvas.getContext('2d');
  context.clearRect(0, 0, canvas.width, canvas.height);
  const max = Math.max(1, ...buckets.map((b) => Math.max(b.frames, b.described, b.unknown)));
  const width = canvas.width / buckets.length;
  const bar = (i, value, colour, share) => {
    const height = canvas.height * value / max;
    context.fillStyle = colour;
    context.fillRect(i * width, canvas.height - height, Math.max(1, (width - 1) * share), height);
  };
  buckets.forEach((b, i) => {
    bar(i, b.frames, '#cbd5e1', 1);
    bar(i, b.described, '#3b82f6', 0.6);
    bar(i, b.unknown, '#f97316', 0.3);
  });
}

function image(file) {
  return file && (file.type === 'image/jpeg' || file.type === 'image/png');
}

async function search(file) {
  const out = $('search-result');
  out.classList.remove('error');
  if (!image(file)) {
    out.textContent = 'a JPEG or PNG photo, please';
    out.classList.add('error');
    return;
  }
  out.textContent = 'searching...';
  try {
    const found = await call('POST', '/api/v1/search', file, file.type);
    const lines = found.matches.length === 0 ? ['no enrolled subject under the threshold ' + found.threshold]
      : found.matches.map((m) => m.subjectId + ' (distance ' + m.distance + ')');
    out.replaceChildren(...lines.map((line) => element('div', 'match', line)));
  } catch (failure) {
    failed(failure, out);
  }
}

async function enroll(files) {
  const out = $('enroll-result');
  out.classList.remove('error');
  const photos = Array.from(files || []).filter(image);
  if (photos.length === 0) {
    out.textContent = 'add at least one JPEG or PNG photo';
    out.classList.add('error');
    return;
  }
  const id = $('enroll-id').value.trim();
  const subject = {
    id,
    displayName: $('enroll-name').value.trim(),
    consent: { legalBasis: $('enroll-basis').value.trim(), purpose: $('enroll-purpose').value.trim() },
  };
  if ($('enroll-watchlist').checked) {
    subject.attributes = { watchlist: 'true' };
  }
  out.textContent = 'enrolling...';
  try {
    try {
      await call('POST', '/api/v1/subjects', JSON.stringify(subject), 'application/json');
    } catch (failure) {
      if (failure.status !== 409) { // an existing subject gets more photos
        throw failure;
      }
    }
    let templates = 0;
    const refused = [];
    for (const photo of photos) {
      const enrolled = await call('POST', '/api/v1/subjects/' + encodeURIComponent(id) + '/images', photo, photo.type);
      templates = enrolled.templateCount;
      enrolled.photos.filter((p) => p.status === 'refused').forEach((p) => refused.push(photo.name + ': ' + p.reason));
    }
    out.textContent = 'enrolled ' + id + ': ' + templates + ' template(s)' + (refused.length ? '; refused ' + refused.join(', ') : '');
    out.dataset.subject = id;
  } catch (failure) {
    failed(failure, out);
  }
}

async function verifyAudit() {
  const out = $('audit-result');
  out.classList.remove('error');
  out.textContent = 'verifying...';
  try {
    const report = await call('GET', '/api/v1/audit/verify');
    out.textContent = (report.ok ? 'intact: ' : 'BROKEN: ') + report.events + ' events'
      + (report.breaks.length ? ', ' + report.breaks.length + ' break(s)' : '')
      + (report.reason ? ' (' + report.reason + ')' : '');
    out.classList.toggle('error', !report.ok);
  } catch (failure) {
    failed(failure, out);
  }
}

/** A drop zone around a file input: dropped files go where chosen ones go. */
function dropZone(zone, input, onFiles) {
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    onFiles(event.dataTransfer.files);
  });
  input.addEventListener('change', () => onFiles(input.files));
}

let enrollFiles = null;

function init() {
  $('sign-in').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    $('api-key').value = '';
    if (key) {
      signIn(key);
    }
  });
  $('sign-out').addEventListener('click', () => signOut(null));
  dropZone($('search-drop'), $('search-file'), (files) => search(files[0]));
  dropZone($('enroll-drop'), $('enroll-files'), (files) => {
    enrollFiles = files;
    $('enroll-drop').dataset.count = String(files.length);
    $('enroll-result').textContent = files.length + ' photo(s) ready';
  });
  $('enroll').addEventListener('submit', (event) => {
    event.preventDefault();
    enroll(enrollFiles);
  });
  $('audit-verify').addEventListener('click', verifyAudit);
  document.body.dataset.ready = 'true'; // the handlers are in place (tests wait for this)
  const key = storedKey();
  if (key) {
    signIn(key);
  }
}

init();
