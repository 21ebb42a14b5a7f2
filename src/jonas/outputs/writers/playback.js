// The city played back: draws a run's playback.bin (jonas/outputs/writers/playback.py) on a
// canvas, every agent of every frame. Used by jonas serve's page and by report.html.
//
// Agents are written straight into the canvas's pixels (an ImageData over the land use):
// 170,000 agents take a few milliseconds a frame, where one canvas call a dot would take
// hundreds. People are drawn first, then the bitten, then zombies and halfbies as 2×2
// squares on top, so that a zombie is never hidden in a crowd.
"use strict";

(function () {
  // agent codes (jonas.abm.population.State) -> [colour, size in pixels, pass]
  const LOOK = {
    0: ["#3f5a7a", 1, 0], // calm
    1: ["#ff7f0e", 1, 0], // afraid
    2: ["#8e3fb5", 2, 1], // bitten
    3: ["#8e3fb5", 2, 1],
    4: ["#8e3fb5", 2, 1],
    5: ["#e0141e", 2, 2], // zombie
    6: ["#1a9e3a", 2, 2], // halfbie
    10: ["#0f8b8d", 1, 0], // held in a camp (passed screening)
    11: ["#0f8b8d", 1, 0],
    12: ["#6b4e16", 1, 0], // isolated at screening
    13: ["#1a9e3a", 2, 2],
    14: ["#1a9e3a", 2, 2],
  };
  const LEGEND = [
    ["calm", "#3f5a7a"], ["afraid", "#ff7f0e"], ["bitten, turning", "#8e3fb5"],
    ["zombie", "#e0141e"], ["halfbie", "#1a9e3a"], ["in a camp", "#0f8b8d"],
    ["isolated", "#6b4e16"],
  ];
  const MAP_ALPHA = 0.45; // how much of the land use shows under the dots

  function abgr(hex) {
    const v = parseInt(hex.slice(1), 16);
    return (0xff000000 | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
  }

  function decode(buffer) {
    const bytes = new Uint8Array(buffer);
    const magic = new TextDecoder().decode(bytes.subarray(0, 8));
    if (magic !== "JONASPB1") throw new Error("not a jonas playback");
    const size = new DataView(buffer).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + size)));
    const start = 12 + size;
    header.frames.forEach((f) => {
      f.x = new Uint16Array(buffer, start + f.at, f.n);
      f.y = new Uint16Array(buffer, start + f.at + 2 * f.n, f.n);
      f.s = new Uint8Array(buffer, start + f.at + 4 * f.n, f.n);
    });
    return header;
  }

  function element(tag, attrs, parent) {
    const e = document.createElement(tag);
    Object.assign(e, attrs);
    if (parent) parent.append(e);
    return e;
  }

  // Build the player in `root` for the playback in `buffer`; resolves to the player
  // ({render(i), play(), pause(), frames, header}) once the land use is drawn.
  async function jonasPlayback(root, buffer, options = {}) {
    const header = decode(buffer);
    const frames = header.frames;
    root.innerHTML = "";
    root.classList.add("playback");
    const top = element("div", { className: "playback-top" }, root);
    const clock = element("strong", { className: "playback-clock" }, top);
    const caption = element("span", { className: "playback-caption" }, top);
    const label = element("div", { className: "playback-label", role: "status" }, root);
    const W = Math.max(320, Math.min(options.width || root.clientWidth || 900, 1000));
    const H = Math.round((W * header.height_m) / header.width_m);
    const canvas = element("canvas", { width: W, height: H, className: "playback-canvas" }, root);
    const ctx = canvas.getContext("2d");
    const controls = element("div", { className: "playback-controls" }, root);
    const button = element("button", { textContent: "▶ Play", type: "button" }, controls);
    const slider = element("input", {
      type: "range", min: 0, max: frames.length - 1, value: 0, step: 1,
      ariaLabel: "time",
    }, controls);
    const speed = element("select", { ariaLabel: "frames per second" }, controls);
    [5, 10, 20, 30].forEach((fps) => element("option", { value: fps, textContent: `${fps} frames/s`, selected: fps === 10 }, speed));
    const legend = element("div", { className: "playback-legend" }, root);
    legend.innerHTML = LEGEND.map(([word, colour]) => `<span><i style="background:${colour}"></i>${word}</span>`).join("")
      + '<span><i style="background:rgba(224,20,30,0.35);border:1px solid #e0141e;border-radius:50%"></i>a horde (area: its size)</span>'
      + (header.cordon ? '<span><i style="background:#d62728;height:3px"></i>cordon (dashed: open)</span>' : "");

    // the land use, faded, as the pixels every frame starts from
    const image = new Image();
    image.src = header.background;
    await image.decode();
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, W, H);
    ctx.globalAlpha = MAP_ALPHA;
    ctx.drawImage(image, 0, 0, W, H);
    ctx.globalAlpha = 1;
    const base = new Uint32Array(ctx.getImageData(0, 0, W, H).data.buffer.slice(0));
    const picture = ctx.createImageData(W, H);
    const pixels = new Uint32Array(picture.data.buffer);
    const colour = new Uint32Array(256);
    const size = new Uint8Array(256);
    const pass = new Int8Array(256).fill(-1);
    for (const [code, [hex, px, p]] of Object.entries(LOOK)) {
      colour[code] = abgr(hex);
      size[code] = px;
      pass[code] = p;
    }
    const sx = W / (header.steps + 1);
    const sy = H / (header.steps + 1);
    const toX = (m) => (m / header.width_m) * W;
    const toY = (m) => H - (m / header.height_m) * H;

    function dots(f) {
      pixels.set(base);
      const { x, y, s, n } = f;
      for (let p = 0; p < 3; p++) {
        for (let i = 0; i < n; i++) {
          const code = s[i];
          if (pass[code] !== p) continue;
          const c = colour[code];
          const px = (x[i] * sx) | 0;
          const py = H - 1 - ((y[i] * sy) | 0);
          if (size[code] === 1) {
            pixels[py * W + px] = c;
          } else {
            const x1 = px + 1 < W ? px + 1 : px;
            const y0 = py > 0 ? py - 1 : py;
            pixels[py * W + px] = c;
            pixels[py * W + x1] = c;
            pixels[y0 * W + px] = c;
            pixels[y0 * W + x1] = c;
          }
        }
      }
      ctx.putImageData(picture, 0, 0);
    }

    // Zombies hunting one sound stand on one spot by the thousand, where one pixel would
    // show them as one: each 6-pixel cell holding many gets a disc whose area grows with
    // their number, and the number itself when it is large.
    const CELL = 6;
    const GX = Math.ceil(W / CELL);
    const crowd = new Int32Array(GX * Math.ceil(H / CELL));
    function hordes(f) {
      crowd.fill(0);
      const { x, y, s, n } = f;
      for (let i = 0; i < n; i++) {
        if (s[i] !== 5) continue;
        // (a drawn zombie stands for infected_stride of them when they were thinned)
        crowd[(((H - 1 - ((y[i] * sy) | 0)) / CELL) | 0) * GX + (((x[i] * sx) / CELL) | 0)] += f.infected_stride;
      }
      ctx.save();
      for (let c = 0; c < crowd.length; c++) {
        const count = crowd[c];
        if (count < 25) continue;
        const cx = (c % GX) * CELL + CELL / 2;
        const cy = ((c / GX) | 0) * CELL + CELL / 2;
        const r = 3 + Math.sqrt(count) / 4;
        disc(cx, cy, r, "rgba(224, 20, 30, 0.35)", "#e0141e", 1.5);
        if (count >= 500) {
          const words = `${f.infected_stride > 1 ? "≈" : ""}${count.toLocaleString("en")} zombies`;
          haloed(words, cx + r + 3, cy + 4, "#9b0d14", 12);
        }
      }
      ctx.restore();
    }

    // a filled circle with its edge (hordes, camps)
    function disc(cx, cy, r, fill, edge, width) {
      ctx.beginPath();
      ctx.arc(cx, cy, r, 0, 2 * Math.PI);
      ctx.fillStyle = fill;
      ctx.fill();
      ctx.strokeStyle = edge;
      ctx.lineWidth = width;
      ctx.stroke();
    }

    // bold words with a white halo, readable over the crowd; each takes its box, and a
    // place's name that would cover words already written is left out (names come last)
    let taken = [];
    function haloed(words, x, y, colour, px) {
      ctx.font = `bold ${px}px system-ui, sans-serif`;
      taken.push([x - 2, y - px, x + ctx.measureText(words).width + 2, y + 3]);
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.strokeText(words, x, y);
      ctx.fillStyle = colour;
      ctx.fillText(words, x, y);
    }

    function names() {
      ctx.save();
      ctx.font = "bold 11px system-ui, sans-serif"; // (the boxes are measured in it)
      for (const place of header.places) {
        if (place.kind === "direction" || place.kind === "city") continue;
        const [lx, ly] = [toX(place.x) + 4, toY(place.y) - 4];
        const box = [lx - 2, ly - 11, lx + ctx.measureText(place.name).width + 2, ly + 3];
        if (taken.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3])) continue;
        haloed(place.name, lx, ly, "#1e3d17", 11);
      }
      ctx.restore();
    }

    function outline(points) {
      ctx.beginPath();
      points.forEach(([mx, my], i) => (i ? ctx.lineTo(toX(mx), toY(my)) : ctx.moveTo(toX(mx), toY(my))));
      ctx.closePath();
    }

    function shapes(f) {
      ctx.save();
      for (const area of f.strikes) {
        outline(area);
        ctx.strokeStyle = "#2a1f1a";
        ctx.lineWidth = 2;
        ctx.setLineDash([4, 3]);
        ctx.stroke();
      }
      ctx.setLineDash([]);
      for (const area of f.struck_now) {
        outline(area);
        ctx.fillStyle = "rgba(255, 243, 92, 0.75)";
        ctx.fill();
        ctx.strokeStyle = "#ff9d00";
        ctx.lineWidth = 3;
        ctx.stroke();
      }
      if (header.cordon) {
        ctx.beginPath();
        header.cordon.line.forEach(([mx, my], i) => (i ? ctx.lineTo(toX(mx), toY(my)) : ctx.moveTo(toX(mx), toY(my))));
        ctx.strokeStyle = f.cordon_closed ? "#d62728" : "#7f7f7f";
        ctx.setLineDash(f.cordon_closed ? [] : [6, 4]);
        ctx.lineWidth = 2;
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#ff7800";
        for (const [mx, my] of header.cordon.checkpoints) ctx.fillRect(toX(mx) - 4, toY(my) - 4, 8, 8);
      }
      // each camp: a ring whose area grows with the people it holds, and their number
      header.camps.forEach((camp, k) => {
        const held = f.camps[k];
        if (!held || f.stride > 1) return;
        const cx = toX(camp.x), cy = toY(camp.y);
        const r = Math.max(4, Math.sqrt(held) / 6);
        disc(cx, cy, r, "rgba(15, 139, 141, 0.25)", "#0f8b8d", 2);
        haloed(`${held.toLocaleString("en")} held`, cx - r, cy + r + 14, "#0b5f60", 12);
      });
      for (const [mx, my] of f.drones) {
        const cx = toX(mx), cy = toY(my);
        ctx.beginPath();
        ctx.arc(cx, cy, 16, 0, 2 * Math.PI);
        ctx.fillStyle = "rgba(11, 61, 145, 0.08)";
        ctx.fill();
        ctx.strokeStyle = "rgba(11, 61, 145, 0.45)";
        ctx.lineWidth = 1.5;
        ctx.stroke();
        ctx.beginPath();
        ctx.moveTo(cx, cy - 6);
        ctx.lineTo(cx - 5, cy + 4);
        ctx.lineTo(cx + 5, cy + 4);
        ctx.closePath();
        ctx.fillStyle = "#0b3d91";
        ctx.fill();
      }
      ctx.restore();
    }

    let shownLabel = -1; // the frame whose event label is shown
    function render(i) {
      const f = frames[i];
      taken = [];
      dots(f);
      shapes(f);
      hordes(f);
      names();
      clock.textContent = f.clock;
      caption.textContent = f.caption + (f.stride > 1 ? ` · one dot for ${f.stride} people` : "");
      if (f.label) shownLabel = i;
      // an event's words stay up for two seconds of playback (or until the next event)
      const keep = Math.max(1, Math.round(2 * Number(speed.value)));
      const recent = shownLabel >= 0 && i >= shownLabel && i - shownLabel < keep;
      label.textContent = recent ? frames[shownLabel].label : "";
      label.classList.toggle("on", recent);
      slider.value = i;
    }

    let playing = false;
    let last = 0;
    let index = 0;
    function tick(now) {
      if (!playing) return;
      const every = 1000 / Number(speed.value);
      if (now - last >= every - 1) {
        // keep the rhythm: the next frame is due one interval after this one was, not
        // after the screen's refresh that showed it (else 30 frames/s on a 60 Hz screen
        // would come out near 20)
        last = now - last > 2 * every ? now : last + every;
        if (index >= frames.length - 1) {
          pause();
          return;
        }
        index += 1;
        render(index);
      }
      requestAnimationFrame(tick);
    }
    function play() {
      if (index >= frames.length - 1) {
        index = 0;
        shownLabel = -1;
      }
      playing = true;
      button.textContent = "❚❚ Pause";
      requestAnimationFrame(tick);
    }
    function pause() {
      playing = false;
      button.textContent = "▶ Play";
    }
    button.addEventListener("click", () => (playing ? pause() : play()));
    slider.addEventListener("input", () => {
      index = Number(slider.value);
      shownLabel = -1;
      for (let k = index; k >= 0; k--) if (frames[k].label) { shownLabel = k; break; }
      render(index);
    });
    render(0);
    return { render, play, pause, frames, header, canvas };
  }

  window.jonasPlayback = jonasPlayback;
})();
