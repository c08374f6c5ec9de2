// The driver app's live channel: /v1/driver/stream read with fetch (an EventSource cannot send the driver token),
// reconnecting with a growing pause while the network or the server is away.
export function listen(token, { onEvent, onState, onExpired }) {
  let stopped = false, controller = null;
  (async () => {
    let pause = 2_000;
    while (!stopped) {
      controller = new AbortController();
      try {
        const resp = await fetch("/v1/driver/stream", { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
        if (resp.status === 401) { onState(false); onExpired(); return; }
        if (!resp.ok || !resp.body) throw new Error(`stream answered ${resp.status}`);
        onState(true);
        pause = 2_000;
        const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let cut;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
            if (data) onEvent(JSON.parse(data));
          }
        }
      } catch (err) {
        if (stopped) return;
      }
      onState(false);
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 30_000);
    }
  })();
  return () => { stopped = true; controller?.abort(); };
}
