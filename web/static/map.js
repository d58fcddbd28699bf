// portkit serve: the map of the port space drawn on a canvas from /api/map (one status
// byte per port) and /api/map/names; hover names a port, a click opens its page. The page
// works without this script: it then shows a server-made picture and a grid of links.
'use strict';
(function () {
  var wrap = document.getElementById('map');
  if (!wrap || !window.fetch || !document.createElement('canvas').getContext) return;
  var lo = parseInt(wrap.getAttribute('data-lo'), 10) || 0;
  var hi = parseInt(wrap.getAttribute('data-hi'), 10);
  if (isNaN(hi)) hi = 65535;
  var status = null, names = {};
  var canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'Map of ports');
  canvas.id = 'map-canvas';
  var tip = document.createElement('div');
  tip.id = 'map-tip';
  tip.hidden = true;
  var cols = 256, rows = 256;
  var kinds = ['unassigned', 'reserved', 'assigned', 'unofficial use', 'listening here'];

  function kindOf(s) {
    if (s & 8) return 4;
    if ((s & 3) === 2) return 2;
    if (s & 4) return 3;
    return (s & 3) === 1 ? 1 : 0;
  }
  function colours() {
    var cs = getComputedStyle(document.documentElement);
    return ['--unassigned', '--reserved', '--assigned', '--unofficial', '--listening'].map(
      function (v) { return cs.getPropertyValue(v).trim() || '#888'; });
  }
  function layout() {
    var n = hi - lo + 1;
    cols = 16;
    while (cols * cols < n && cols < 256) cols *= 2;
    rows = Math.ceil(n / cols);
  }
  function draw() {
    layout();
    var css = wrap.clientWidth || 512;
    var dpr = window.devicePixelRatio || 1;
    var cell = Math.max(1, Math.floor(css * dpr / cols));
    canvas.width = cell * cols;
    canvas.height = cell * rows;
    var ctx = canvas.getContext('2d');
    var pal = colours();
    ctx.fillStyle = pal[0];
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (var p = lo; p <= hi; p++) {
      var k = kindOf(status[p]);
      if (k === 0) continue;
      var i = p - lo;
      ctx.fillStyle = pal[k];
      ctx.fillRect((i % cols) * cell, Math.floor(i / cols) * cell, cell, cell);
    }
  }
  function portAt(ev) {
    var r = canvas.getBoundingClientRect();
    var x = Math.floor((ev.clientX - r.left) / r.width * cols);
    var y = Math.floor((ev.clientY - r.top) / r.height * rows);
    if (x < 0 || y < 0 || x >= cols || y >= rows) return -1;
    var p = lo + y * cols + x;
    return p <= hi ? p : -1;
  }
  function describe(p) {
    var name = names[p] ? ' ' + names[p] : '';
    return 'Port ' + p + name + ' (' + kinds[kindOf(status[p])] + ')';
  }
  canvas.addEventListener('mousemove', function (ev) {
    var p = portAt(ev);
    if (p < 0) { tip.hidden = true; return; }
    tip.textContent = describe(p);
    tip.hidden = false;
    var r = wrap.getBoundingClientRect();
    var x = ev.clientX - r.left + 12, y = ev.clientY - r.top + 12;
    if (x + tip.offsetWidth > r.width) x = Math.max(0, x - tip.offsetWidth - 24);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
    canvas.title = tip.textContent;
  });
  canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
  canvas.addEventListener('click', function (ev) {
    var p = portAt(ev);
    if (p >= 0) window.location.href = '/port/' + p;
  });
  var form = document.querySelector('form.zoom');
  if (form) {
    form.addEventListener('submit', function (ev) {
      var a = parseInt(form.elements.lo.value, 10), b = parseInt(form.elements.hi.value, 10);
      if (isNaN(a) || isNaN(b) || a < 0 || b > 65535 || a > b) return; // the server explains
      ev.preventDefault();
      lo = a; hi = b;
      history.replaceState(null, '', '/map?lo=' + lo + '&hi=' + hi);
      draw();
    });
  }
  Promise.all([
    fetch('/api/map').then(function (r) { return r.arrayBuffer(); }),
    fetch('/api/map/names').then(function (r) { return r.json(); })
  ]).then(function (got) {
    status = new Uint8Array(got[0]);
    names = got[1];
    var img = wrap.querySelector('img');
    if (img) img.remove();
    wrap.appendChild(canvas);
    wrap.appendChild(tip);
    draw();
    window.addEventListener('resize', draw);
    if (window.matchMedia) {
      var mq = window.matchMedia('(prefers-color-scheme: dark)');
      if (mq.addEventListener) mq.addEventListener('change', draw);
    }
    wrap.setAttribute('data-ready', '1');
  }).catch(function () { /* keep the picture the server made */ });
})();
