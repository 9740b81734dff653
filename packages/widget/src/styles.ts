/** Shadow-DOM styles of <prealert-reminder>. Host pages theme it through the custom properties on :host. */
export const REMINDER_STYLES = `
/* all: initial first: inherited properties of the host page (a centred, nowrap, indented table cell in many HIS
   pages) must not reach the cards. The declarations after it and the custom properties still apply. */
:host {
  all: initial;
  --prealert-font: system-ui, "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif;
  --prealert-sev1: #b71c1c;
  --prealert-sev1-bg: #fdecea;
  --prealert-sev2: #bf4800;
  --prealert-sev2-bg: #fff3e0;
  --prealert-sev3: #7a5d00;
  --prealert-sev3-bg: #fff8e1;
  --prealert-focus: #1565c0;
  /* The whole panel (header, cards, form, key hints) stays within --prealert-max-height, the card list scrolling
     inside it: on :host, a percentage is of the element's container, as the host's layout means it. */
  display: flex;
  flex-direction: column;
  max-height: var(--prealert-max-height, 70vh);
  font: 14px/1.5 var(--prealert-font);
  color: #1f2933;
}
[hidden] { display: none !important; }
/* A host rule that matches the element itself (a HIS reset such as "* { font-size: 12px; line-height: 3 }") beats
   any :host rule, so :host alone let the host's type through to every card. No host rule reaches the panel inside
   the shadow tree: it starts from nothing again, the theme's custom properties still inherited. */
.panel { all: initial; font: 14px/1.5 var(--prealert-font); color: #1f2933; }
/* Spacing by margins, not flex gap (Chrome 84): HIS shells embed Chromium 80–83, where gap on flex is ignored. */
.panel { display: flex; flex-direction: column; min-height: 0; border: 1px solid #cfd8e3; border-radius: 6px; background: #fff; overflow: hidden; }
.panel > * { flex: none; }
.bar { display: flex; flex-wrap: wrap; align-items: center; padding: 8px 12px; background: #f4f7fb; border-bottom: 1px solid #cfd8e3; }
.bar h2 { margin: 0; font-size: 15px; font-weight: 600; flex: 1; white-space: nowrap; }
.bar > * + * { margin-left: 8px; }
.counts { display: flex; font-size: 12px; }
.count + .count { margin-left: 6px; }
.count { padding: 1px 6px; border-radius: 10px; font-weight: 600; }
.count.sev-1 { color: #fff; background: var(--prealert-sev1); }
.count.sev-2 { color: #fff; background: var(--prealert-sev2); }
.count.sev-3 { color: #4a3800; background: #ffd54f; }
.progress { font-size: 12px; color: #52606d; white-space: nowrap; }
button.confirm-all { display: block; align-self: flex-start; margin: 6px 12px 0; border-color: #e0b000; background: #fff8e1; color: #4a3800; }
.notice { margin: 0; padding: 14px 12px; color: #52606d; }
.notice.ok { color: #1b5e20; }
.notice.down { color: #7a5d00; background: #fffbea; }
/* The one part that gives way when the panel is bounded; a few lines of a card stay in view however small. */
.panel > ol.cards { flex: 0 1 auto; min-height: 4.5em; }
ol.cards { list-style: none; margin: 0; padding: 6px; display: block; overflow: auto; }
.card + .card { margin-top: 6px; }
.card { border: 1px solid #d9e2ec; border-left: 5px solid #9aa5b1; border-radius: 4px; padding: 8px 10px; background: #fff; outline: none; }
.card.sev-1 { border-left-color: var(--prealert-sev1); }
.card.sev-2 { border-left-color: var(--prealert-sev2); }
.card.sev-3 { border-left-color: #e0b000; }
.card:focus-within { box-shadow: 0 0 0 2px var(--prealert-focus); }
.card:focus { box-shadow: 0 0 0 3px var(--prealert-focus); }
.head { display: flex; align-items: baseline; flex-wrap: wrap; }
.head > * + * { margin-left: 8px; }
.sev { font-size: 12px; font-weight: 700; padding: 0 6px; border-radius: 3px; white-space: nowrap; }
.sev-1 .sev { color: #fff; background: var(--prealert-sev1); }
.sev-2 .sev { color: #fff; background: var(--prealert-sev2); }
.sev-3 .sev { color: #4a3800; background: #ffd54f; }
.rule { font-weight: 600; flex: 1; min-width: 8em; }
.amount { font-variant-numeric: tabular-nums; color: #52606d; white-space: nowrap; }
.content { margin: 4px 0; }
.evidence, .lines, .impact { margin: 2px 0; font-size: 13px; color: #3e4c59; }
.evidence { display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.label { display: inline-block; min-width: 3em; color: #7b8794; }
.line-violation { font-weight: 600; }
.line-rx-id { font-size: 11px; color: #7b8794; }
/* Two lines of a grouped entry's rx_ids; the rest scroll (a 90-day stay's would be a screen of them). */
/* Under the grouped entry, past the 医嘱 label (.label: 3em of the lines' 13px). */
.rx-ids { margin: 0 0 2px 39px; }
.line-rx-ids { margin: 0; max-height: 30px; overflow-y: auto; font-size: 11px; line-height: 15px; font-weight: 400; color: #7b8794; overflow-wrap: break-word; }
.line-rx-ids > span { white-space: nowrap; }
/* Focused by Tab from its warning (arrows and PageDown scroll it): a ring, as the buttons have, inside the card's. */
.line-rx-ids:focus { outline: 2px solid var(--prealert-focus); outline-offset: 1px; }
.impact.block { color: var(--prealert-sev1); font-weight: 600; }
.actions, .form-actions { display: flex; margin-top: 6px; flex-wrap: wrap; }
.actions > * + *, .form-actions > * + * { margin-left: 8px; }
button { font: inherit; font-size: 13px; padding: 3px 10px; border-radius: 4px; border: 1px solid #9aa5b1; background: #fff; color: #1f2933; cursor: pointer; }
/* The ring on :focus, taken off again for mouse focus by :not(:focus-visible): Chromium 80–85 (no :focus-visible)
   drops that second rule whole, so keyboard users there still see the ring (a mouse click shows it too). */
button:focus, input:focus { outline: 2px solid var(--prealert-focus); outline-offset: 1px; }
button:focus:not(:focus-visible), input:focus:not(:focus-visible) { outline: none; }
button.modify { border-color: #1565c0; color: #0d47a1; background: #e3f2fd; }
button.continue { border-color: #9aa5b1; }
button.confirm { border-color: #1565c0; color: #fff; background: #1565c0; }
button:disabled { opacity: .45; cursor: not-allowed; }
kbd { font: 11px/1.3 ui-monospace, monospace; padding: 0 3px; border: 1px solid #cbd2d9; border-radius: 3px; background: #f5f7fa; color: #52606d; margin-left: 3px; }
.reason-form { margin-top: 6px; padding: 6px 8px; background: #f8fafc; border: 1px dashed #cbd2d9; border-radius: 4px; }
.picks { display: flex; flex-wrap: wrap; border: 0; margin: 0 0 -4px; padding: 0; }
.picks label { display: inline-flex; align-items: center; margin: 0 10px 4px 0; cursor: pointer; }
.picks input { margin: 0 3px 0 0; }
.picks kbd { margin: 0 2px 0 0; }
.text-label { display: flex; align-items: center; margin-top: 6px; font-size: 13px; color: #3e4c59; }
.reason-text { margin-left: 6px; flex: 1; font: inherit; font-size: 13px; padding: 3px 6px; border: 1px solid #9aa5b1; border-radius: 4px; min-width: 0; }
.reason-limit { margin: 2px 0 0; font-size: 12px; color: #7a5d00; }
.reason-limit:empty { display: none; }
.error { margin: 4px 0 0; color: var(--prealert-sev1); font-size: 13px; min-height: 0; }
.error:empty { display: none; }
.outcome { display: flex; align-items: center; margin-top: 4px; font-size: 13px; }
.outcome > * + * { margin-left: 8px; }
.outcome:empty { display: none; }
.outcome .state { color: #52606d; }
.outcome .state.recorded { color: #1b5e20; }
.outcome .state.queued, .outcome .state.rejected { color: var(--prealert-sev1); }
.earlier { margin: 2px 0; font-size: 13px; color: #0d47a1; }
.prior-visit { margin: 2px 0; font-size: 13px; color: #1b5e20; }
.reason-form .reuse { margin: 0 0 4px; }
.card.decided { background: #fafbfc; }
.card.decided .evidence, .card.decided .impact, .card.decided .actions, .card.decided .prior-visit { display: none; }
.hints { margin: 0; padding: 6px 12px; font-size: 12px; color: #7b8794; border-top: 1px solid #e4e7eb; background: #fbfcfd; }
.sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
`;
