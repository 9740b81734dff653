/**
 * The keys of a focused warning card (the element's keydown in its shadow root): moving between warnings, their
 * buttons and rx_id boxes, and M / C / A / 1–9 / Enter / Esc. Separate from the element, which owns the state these
 * keys act on through CardKeyActions, as the key map is long and only about keys.
 */
import { scrollBoxByKey } from './box-scroll';
import type { Disposition, JudgeResultDto } from './types';
import type { WarningCard } from './warning-card';

/** What the keys of a card do to the element; the element gives these (its own private methods) per key press. */
export interface CardKeyActions {
  /**
   * The warnings shown, in their order, taken when the key is pressed: every read of them here comes before any
   * action that could show others.
   */
  readonly results: readonly JudgeResultDto[];
  readonly cards: ReadonlyMap<string, WarningCard>;
  isAnswered(jrId: string): boolean;
  isReopened(card: WarningCard): boolean;
  cancelForm(card: WarningCard): void;
  handFocusBack(): boolean;
  submitContinue(card: WarningCard): void;
  reopen(card: WarningCard): void;
  openContinue(card: WarningCard, pickIndex?: number): void;
  focusCard(jrId: string): void;
  record(card: WarningCard, disposition: Disposition, reason: string): void;
  confirmAll(from: WarningCard | undefined): void;
}

/**
 * A digit in 理由说明 straight after a quick reason picked by its key changes the pick: focus went there with the
 * pick, and a doctor correcting 1 to 2 would otherwise send 「临床必需；2」. Otherwise a digit is text.
 */
function repicks(card: WarningCard, target: Element, event: KeyboardEvent): boolean {
  return (
    target === card.reasonText &&
    card.repicksOnDigit() &&
    /^[1-9]$/.test(event.key) &&
    Number(event.key) <= card.pickCount()
  );
}

/** A key pressed on `card` (or in it), no modifier held and no IME composition under way. */
export function handleCardKey(event: KeyboardEvent, card: WarningCard, element: CardKeyActions): void {
  const target = event.target as Element;
  const inText = target instanceof HTMLInputElement && target.type === 'text';
  const inForm = card.form.contains(target);

  if (event.key === 'Escape' && (card.formOpen || element.isReopened(card))) {
    event.preventDefault();
    element.cancelForm(card);
    return;
  }
  if (event.key === 'Escape') {
    // A look after F8 ends where it began, as after the last answer; without F8 there is nowhere to go back to.
    if (element.handFocusBack()) event.preventDefault();
    return;
  }
  const boxes = card.rxIdBoxes();
  const lastBox = boxes[boxes.length - 1];
  if (event.key === 'Tab' && event.shiftKey && lastBox && card.formOpen && card.startsForm(target)) {
    // The boxes (tabindex -1) are not in the browser's order: back out of the form it would skip them to the warning.
    event.preventDefault();
    lastBox.focus();
    return;
  }
  if (inText && !repicks(card, target, event)) return;
  // A key held down repeats: one press is one decision. Arrows and Tab may repeat to move along.
  if (event.repeat && /^([1-9mMcCaA]|Enter)$/.test(event.key)) {
    event.preventDefault();
    return;
  }
  if (event.key === 'Enter' && inForm && !(target instanceof HTMLButtonElement)) {
    event.preventDefault();
    element.submitContinue(card);
    return;
  }
  const digit = /^[1-9]$/.test(event.key) ? Number(event.key) - 1 : undefined;
  if (digit !== undefined) {
    if (card.result.wf_impact === 'block') return;
    event.preventDefault();
    if (element.isAnswered(card.jrId) && !card.formOpen) element.reopen(card);
    if (!card.formOpen) element.openContinue(card, digit);
    else card.selectPick(digit);
    return;
  }
  if (inForm) {
    // Arrows and Tab belong to the form there, until Tab leaves its last control: the other warnings have no Tab
    // stop of their own (roving tabindex), so the browser would leave the panel and skip them.
    if (event.key !== 'Tab' || event.shiftKey || target !== card.cancelButton) return;
    const next = neighbour(element.results, element.cards, card, 1);
    if (!next) return;
    event.preventDefault();
    element.focusCard(next.jrId);
    return;
  }
  if (boxes.includes(target as HTMLElement) && scrollBoxByKey(target as HTMLElement, event.key)) {
    event.preventDefault();
    return;
  }
  switch (event.key) {
    case 'Tab': {
      // One Tab stop per warning: the buttons are reached with ←/→ or their shortcut keys. Its rx_id boxes (the
      // reminder page's grouped entries) and an open reason form come next in the Tab order (backwards, before
      // the warning after it); past the first or last warning, Tab leaves the panel.
      // A button reached with ←/→ is part of its warning's Tab stop: Tab goes on from it as from the warning.
      const buttons: HTMLElement[] = card.buttonsInReach();
      const from = buttons.includes(target as HTMLElement) ? card.root : (target as HTMLElement);
      const within = [card.root, ...boxes];
      const at = within.indexOf(from);
      const step = event.shiftKey ? -1 : 1;
      const inCard = at >= 0 ? within[at + step] : undefined;
      if (inCard) {
        event.preventDefault();
        inCard.focus();
        return;
      }
      if (card.formOpen && !event.shiftKey) return;
      const next = neighbour(element.results, element.cards, card, step);
      if (!next) return;
      event.preventDefault();
      const nextBoxes = next.rxIdBoxes();
      const lastOfNext = nextBoxes[nextBoxes.length - 1];
      if (event.shiftKey && next.formOpen) next.cancelButton.focus();
      else if (event.shiftKey && lastOfNext) lastOfNext.focus();
      else element.focusCard(next.jrId);
      return;
    }
    case 'ArrowRight':
    case 'ArrowLeft': {
      event.preventDefault();
      const stops: HTMLElement[] = [card.root, ...card.buttonsInReach()];
      const at = Math.max(0, stops.indexOf(target as HTMLElement));
      stops[(at + (event.key === 'ArrowRight' ? 1 : -1) + stops.length) % stops.length]?.focus();
      return;
    }
    case 'ArrowDown':
    case 'ArrowUp': {
      event.preventDefault();
      moveFocus(element, card, event.key === 'ArrowDown' ? 1 : -1);
      return;
    }
    case 'Home':
    case 'End': {
      event.preventDefault();
      const edge = event.key === 'Home' ? element.results[0] : element.results[element.results.length - 1];
      if (edge) element.focusCard(edge.jr_id);
      return;
    }
    case 'm':
    case 'M':
      event.preventDefault();
      element.record(card, 'modify', '');
      return;
    case 'a':
    case 'A':
      event.preventDefault();
      element.confirmAll(card);
      return;
    case 'c':
    case 'C':
      event.preventDefault();
      if (element.isAnswered(card.jrId)) element.reopen(card);
      element.openContinue(card);
      return;
    default:
  }
}

/** The warning shown `step` places after (or before) this one; undefined past either end. */
function neighbour(
  results: readonly JudgeResultDto[],
  cards: ReadonlyMap<string, WarningCard>,
  card: WarningCard,
  step: 1 | -1,
): WarningCard | undefined {
  const index = results.findIndex((r) => r.jr_id === card.jrId);
  const next = results[index + step];
  return next ? cards.get(next.jr_id) : undefined;
}

function moveFocus(element: CardKeyActions, card: WarningCard, step: number): void {
  const index = element.results.findIndex((r) => r.jr_id === card.jrId);
  const next = element.results[(index + step + element.results.length) % element.results.length];
  if (next) element.focusCard(next.jr_id);
}
