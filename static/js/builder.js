// The builder: choosing a usage preset fills in its four shares, which the recruiter may adjust.
// Without JavaScript, blank shares take the preset's when the form is saved.
document.addEventListener("change", (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || !select.dataset.presets) return;
  const shares = JSON.parse(select.dataset.presets)[select.value];
  if (!shares) return;
  for (const [name, share] of Object.entries(shares)) {
    const input = select.form.querySelector(`[data-mix="${name}"]`);
    if (input) input.value = share;
  }
  // The live totals listen for input events: recompute with the new shares.
  select.form.dispatchEvent(new Event("input", { bubbles: true }));
});
