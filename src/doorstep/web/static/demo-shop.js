// The demo shop's own code (/demo/shop): after "payment" it confirms the window the widget holds, as a shop
// would (docs/widget.md: widget.confirm(customer)), and shows the order it became.
const $ = (id) => document.getElementById(id);
const address = $("ship-address").textContent;

$("pay-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const widget = window.DoorstepSlots && window.DoorstepSlots.get($("delivery"));
  if (!widget || !widget.hold) {
    $("shop-result").textContent = "Choose a delivery window first.";
    return;
  }
  try {
    const done = await widget.confirm({ name: $("customer-name").value, email: $("customer-email").value,
      language: document.documentElement.lang,
      address, external_ref: `shop-${Date.now()}` });
    $("shop-result").textContent = `Thank you! Order ${done.order_id} is booked.`;
    $("shop-result").dataset.order = done.order_id;
    $("pay-btn").disabled = true;
  } catch (err) {
    $("shop-result").textContent = `The order could not be placed: ${err.message}`;
  }
});
