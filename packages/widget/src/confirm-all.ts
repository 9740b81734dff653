import { confirmAllAnnouncement, confirmAllCount, planConfirmAll } from './confirm-all-plan';
import { setChildren } from './dom';
import type { TrackedDecision } from './tracked-decision';
import type { DecisionEventDetail, Disposition, JudgeResultDto } from './types';
import type { WarningCard } from './warning-card';

/**
 * 全部确认 (A) as the element runs it: which warnings it offers to confirm, its button, the run itself and the forms
 * it opens with last visit's reason one after another (the prefill queue). Apart from the element because the run
 * has its own state (the queue) and rules; what it is to confirm (planConfirmAll) is confirm-all-plan.ts.
 */

/** 全部确认 (A) acts from this many open confirm-only warnings: for one, C Enter is as quick. */
const CONFIRM_ALL_FROM = 2;

/** What the element lends 全部确认: its warnings and answers, and its own ways to answer, announce and move focus. */
export interface ConfirmAllHost {
  /** The warnings shown, in order. */
  results: () => readonly JudgeResultDto[];
  cards: ReadonlyMap<string, WarningCard>;
  decisionsByJr: ReadonlyMap<string, TrackedDecision>;
  /** dspo_way_rea of a confirm-only 继续执行 the doctor gave no reason for. */
  confirmReason: () => string;
  isAnswered: (jrId: string) => boolean;
  renderHints: (confirmAllOffered: boolean) => void;
  sendDecision: (result: JudgeResultDto, disposition: Disposition, reason: string) => TrackedDecision;
  emit: (type: string, detail: unknown) => boolean;
  renderProgress: () => void;
  announce: (text: string) => void;
  /** All answered (prealert-answered) and all recorded are news again after this change. */
  announceAnswersAgain: () => void;
  checkAnswered: () => boolean;
  focusCard: (jrId: string) => void;
  focusNextUndecided: (fromJrId: string) => void;
  openContinue: (card: WarningCard) => void;
}

export class ConfirmAll {
  /**
   * 全部确认's warnings with last visit's reason still to open, after the one open now (`prefilling`): each opens
   * once the doctor submits the one before, and Esc on it ends the run.
   */
  private prefillQueue: string[] = [];
  private prefilling: string | undefined;

  constructor(
    private readonly confirmAllButton: HTMLButtonElement,
    private readonly host: ConfirmAllHost,
  ) {}

  /**
   * Unanswered warnings that ask only for a confirmation (confirm / notice: 继续执行 with no reason of the doctor's
   * own, sent with confirmReason). One the doctor sent back on an earlier analysis (「上次选择：返回修改」) is left to
   * her: confirming it in bulk would overrule her.
   */
  private confirmOnlyOpen(): WarningCard[] {
    const open: WarningCard[] = [];
    for (const result of this.host.results()) {
      if (result.wf_impact !== 'confirm' && result.wf_impact !== 'notice') continue;
      const card = this.host.cards.get(result.jr_id);
      if (!card || this.host.isAnswered(result.jr_id)) continue;
      const known = this.host.decisionsByJr.get(result.jr_id);
      if (known?.disposition === 'modify' && known.delivery !== 'rejected') continue;
      open.push(card);
    }
    return open;
  }

  /**
   * The bulk action is offered only where it saves keys: two or more warnings that ask only for a confirmation. Its
   * key is listed in the hints only then too, as A does nothing otherwise.
   */
  renderConfirmAll(): void {
    const plan = planConfirmAll(this.confirmOnlyOpen());
    const offered = plan.confirm.length + plan.prefill.length >= CONFIRM_ALL_FROM;
    this.confirmAllButton.hidden = !offered;
    this.host.renderHints(offered);
    if (!offered) return;
    const text = `全部确认继续执行（${confirmAllCount(plan)}）`;
    if (this.confirmAllButton.firstChild?.textContent === text) return;
    const kbd = this.confirmAllButton.ownerDocument.createElement('kbd');
    kbd.textContent = 'A';
    kbd.setAttribute('aria-hidden', 'true');
    setChildren(this.confirmAllButton, [text, kbd]);
  }

  /**
   * 继续执行 on every open confirm-only warning: one 3103 each, as if the doctor had pressed C Enter on each. One with
   * last visit's reason is only opened with that reason filled in (planConfirmAll), the first of them now and each
   * next one when she submits the one before: no reason goes out that she has not seen.
   */
  confirmAll(from: WarningCard | undefined): void {
    const open = this.confirmOnlyOpen();
    if (open.length < CONFIRM_ALL_FROM) return;
    const plan = planConfirmAll(open);
    this.host.announceAnswersAgain();
    const reason = this.host.confirmReason();
    for (const card of plan.confirm) {
      const decision = this.host.sendDecision(card.result, 'continue', reason);
      card.closeForm();
      card.showDecision(decision);
      const detail: DecisionEventDetail = { jrId: card.jrId, disposition: 'continue', reason, result: card.result };
      this.host.emit('prealert-decision', detail);
    }
    this.host.renderProgress();
    this.host.announce(confirmAllAnnouncement(plan));
    this.prefillQueue = plan.prefill.map((card) => card.jrId);
    if (this.openNextPrefill()) return;
    if (this.host.checkAnswered()) return;
    const start = from ?? plan.confirm[plan.confirm.length - 1];
    if (start) {
      if (from && !this.host.isAnswered(from.jrId)) this.host.focusCard(from.jrId);
      else this.host.focusNextUndecided(start.jrId);
    }
  }

  /**
   * Opens the next of 全部确认's warnings with last visit's reason that is still open, with that reason in its text
   * (what 沿用上次理由 does) and focus there. False when none is left.
   */
  private openNextPrefill(): boolean {
    this.prefilling = undefined;
    for (let jrId = this.prefillQueue.shift(); jrId !== undefined; jrId = this.prefillQueue.shift()) {
      const card = this.host.cards.get(jrId);
      // One answered meanwhile, gone with a re-analysis, or no longer carrying the reason is skipped.
      if (!card || this.host.isAnswered(jrId) || card.reuseButton.hidden) continue;
      this.prefilling = jrId;
      this.host.openContinue(card);
      card.reusePriorVisitReason();
      return true;
    }
    return false;
  }

  /** The doctor cancelled `card`'s form. */
  formCancelled(card: WarningCard): void {
    // Esc on a form 全部确认 filled: the doctor stops there, the rest are not opened one after another.
    if (card.jrId === this.prefilling) {
      this.prefilling = undefined;
      this.prefillQueue = [];
    }
  }

  /** The doctor submitted `card`'s form: the next warning 全部确认 fills opens. */
  formSubmitted(card: WarningCard): void {
    if (card.jrId === this.prefilling) this.openNextPrefill();
  }
}
