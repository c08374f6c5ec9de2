// Proof of delivery on the phone: photos shrunk before they are queued, a signature pad, barcode scanning.
const MAX_SIDE = 1280;

export async function resizePhoto(file) {
  const url = URL.createObjectURL(file);
  try {
    const img = await new Promise((resolve, reject) => {
      const i = new Image();
      i.onload = () => resolve(i);
      i.onerror = () => reject(new Error("this file is not a picture"));
      i.src = url;
    });
    const scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(img.naturalWidth * scale));
    canvas.height = Math.max(1, Math.round(img.naturalHeight * scale));
    canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/jpeg", 0.8);
  } finally {
    URL.revokeObjectURL(url);
  }
}

export function signaturePad(canvas) {
  const ctx = canvas.getContext("2d");
  let drawing = false, inked = false;
  const fit = () => {
    const r = canvas.getBoundingClientRect();
    if (r.width && canvas.width !== Math.round(r.width)) { canvas.width = Math.round(r.width); canvas.height = Math.round(r.height); }
    ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
  };
  const at = (ev) => { const r = canvas.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; };
  canvas.addEventListener("pointerdown", (ev) => {
    drawing = true; canvas.setPointerCapture?.(ev.pointerId);
    const [x, y] = at(ev); ctx.beginPath(); ctx.moveTo(x, y);
  });
  canvas.addEventListener("pointermove", (ev) => {
    if (!drawing) return;
    const [x, y] = at(ev); ctx.lineTo(x, y); ctx.stroke(); inked = true;
  });
  const stop = () => { drawing = false; };
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointerleave", stop);
  return {
    reset() { fit(); ctx.clearRect(0, 0, canvas.width, canvas.height); inked = false; },
    png() { return inked ? canvas.toDataURL("image/png") : null; },
  };
}

export function canScan() {
  return "BarcodeDetector" in window && !!navigator.mediaDevices?.getUserMedia;
}

// Scan one barcode with the rear camera; resolves to its text (or null when stopped after 20 s).
export async function scanBarcode(video) {
  const detector = new window.BarcodeDetector();
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream; video.hidden = false; await video.play();
  try {
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) return codes[0].rawValue;
      await new Promise((r) => setTimeout(r, 250));
    }
    return null;
  } finally {
    stream.getTracks().forEach((t) => t.stop()); video.hidden = true;
  }
}
