import { amountText } from './amount-text';
import { CardLineList, type LineLabel, type LineNumber } from './card-lines';
import { setChildren } from './dom';
import { element, keyHint } from './dom-element';
import { evidenceAddsText } from './evidence';
import { IMPACT_HINTS, SEVERITY_LABELS } from './labels';
import type { LineDay } from './line-dates';
import { priorVisitOf } from './prior-visit';
import type { ReasonField } from './reason';
import { ReasonForm } from './reason-form';
import type { JudgeResultDto, WarningDecision } from './types';

// The line types were declared here: the element and the package's index still import them from the card.
export type { LineLabel, LineLabelObject, LineNumber } from './card-lines';

let nextCardNumber = 0;

// 未送达 only once a try has failed: while a 3103 is in flight it may yet arrive (a slow sidecar records it anyway).
const DELIVERY_TEXT: Record<WarningDecision['delivery'], string> = {
  sending: '正在送达…',
  recorded: '已记录',
  queued: '未送达，自动重试中',
  rejected: '未能记录',
};

/**
 * The DOM of one warning. It survives re-analysis (same jr_id → same card), so an open reason form,
 * typed text and focus are not lost when the HIS re-sends 3101 after every keystroke.
 */
export class WarningCard {
  readonly root: HTMLLIElement;
  readonly modifyButton: HTMLButtonElement;
  readonly continueButton: HTMLButtonElement;
  readonly form: HTMLFormElement;
  readonly reasonText: HTMLInputElement;
  /** The form's last control: Tab from it goes on to the next warning. */
  readonly cancelButton: HTMLButtonElement;
  readonly changeButton: HTMLButtonElement;
  private readonly head: HTMLElement;
  private readonly severity: HTMLElement;
  private readonly rule: HTMLElement;
  private readonly amount: HTMLElement;
  private readonly content: HTMLElement;
  private readonly evidence: HTMLElement;
  private readonly lines: HTMLElement;
  /** The rx_ids of grouped entries, where the labels ask for rx_ids (CardLineList.rxIdList, card-lines.ts). */
  private readonly rxIds: HTMLElement;
  private readonly lineList: CardLineList;
  private readonly impact: HTMLElement;
  /** The 继续执行 reason form; its controls the element and card-keys.ts reach are kept on the card below. */
  private readonly reasonForm: ReasonForm;
  private readonly outcome: HTMLElement;
  private readonly outcomeText: HTMLElement;
  private readonly outcomeState: HTMLElement;
  private readonly earlier: HTMLElement;
  /** 「上次就诊（…）已确认继续：…」: the reason the patient's earlier visit was continued with (PriorVisit). */
  private readonly priorVisit: HTMLElement;
  /** Fills the reason text with that reason, for the doctor to check, edit and submit. */
  readonly reuseButton: HTMLButtonElement;
  result: JudgeResultDto;

  constructor(
    private readonly doc: Document,
    result: JudgeResultDto,
  ) {
    this.result = result;
    const id = `pa-${++nextCardNumber}`;
    this.root = element(doc, 'li', 'card');
    this.root.tabIndex = -1;
    this.root.setAttribute('aria-labelledby', `${id}-head`);
    this.root.setAttribute('aria-describedby', `${id}-content ${id}-outcome`);

    this.head = element(doc, 'div', 'head');
    this.head.id = `${id}-head`;
    this.severity = element(doc, 'span', 'sev');
    this.rule = element(doc, 'span', 'rule');
    this.amount = element(doc, 'span', 'amount');
    this.head.append(this.severity, this.rule, this.amount);

    this.content = element(doc, 'p', 'content');
    this.content.id = `${id}-content`;
    this.evidence = element(doc, 'p', 'evidence');
    this.lines = element(doc, 'p', 'lines');
    this.rxIds = element(doc, 'div', 'rx-ids');
    this.lineList = new CardLineList(doc, this.lines, this.rxIds);
    this.impact = element(doc, 'p', 'impact');

    const actions = element(doc, 'div', 'actions');
    actions.setAttribute('role', 'group');
    actions.setAttribute('aria-label', '处理方式');
    this.modifyButton = element(doc, 'button', 'modify', '返回修改');
    this.modifyButton.type = 'button';
    this.modifyButton.setAttribute('aria-keyshortcuts', 'M');
    this.modifyButton.append(keyHint(doc, 'M'));
    this.continueButton = element(doc, 'button', 'continue', '继续执行');
    this.continueButton.type = 'button';
    this.continueButton.setAttribute('aria-keyshortcuts', 'C');
    this.continueButton.append(keyHint(doc, 'C'));
    actions.append(this.modifyButton, this.continueButton);
    // Roving focus: the warning is the Tab stop, its buttons are reached with ←/→ or M / C.
    this.modifyButton.tabIndex = -1;
    this.continueButton.tabIndex = -1;

    this.reasonForm = new ReasonForm(doc, this.root, id);
    this.form = this.reasonForm.form;
    this.reasonText = this.reasonForm.reasonText;
    this.cancelButton = this.reasonForm.cancelButton;
    this.reuseButton = this.reasonForm.reuseButton;

    this.outcome = element(doc, 'div', 'outcome');
    this.outcome.id = `${id}-outcome`;
    this.outcomeText = element(doc, 'span', 'chosen');
    this.outcomeState = element(doc, 'span', 'state');
    this.outcomeState.setAttribute('role', 'status');
    this.changeButton = element(doc, 'button', 'change', '更改');
    this.changeButton.type = 'button';
    this.changeButton.tabIndex = -1;
    this.outcome.append(this.outcomeText, this.outcomeState, this.changeButton);
    this.earlier = element(doc, 'p', 'earlier', '上次选择：返回修改');
    this.earlier.hidden = true;
    this.priorVisit = element(doc, 'p', 'prior-visit');
    this.priorVisit.id = `${id}-prior-visit`;
    this.priorVisit.hidden = true;
    this.reuseButton.setAttribute('aria-describedby', this.priorVisit.id);

    this.root.append(
      this.head,
      this.content,
      this.evidence,
      this.lines,
      this.rxIds,
      this.impact,
      this.earlier,
      this.priorVisit,
      actions,
      this.form,
      this.outcome,
    );
  }

  get jrId(): string {
    return this.result.jr_id;
  }

  get formOpen(): boolean {
    return this.reasonForm.formOpen;
  }

  /** The grouped entries' rx_id boxes shown: Tab stops after the warning, before its reason form. */
  rxIdBoxes(): HTMLElement[] {
    if (this.rxIds.hidden) return [];
    return [...this.rxIds.children].filter((child): child is HTMLElement => child instanceof HTMLElement);
  }

  /**
   * Whether Shift+Tab from `target` leaves the open form backwards: the form starts with the quick reasons (there are
   * always some: the element falls back to its defaults), one Tab stop as a radio group, so from any of them.
   */
  startsForm(target: Element): boolean {
    return this.reasonForm.startsForm(target);
  }

  /** The buttons ←/→ move between: 返回修改 / 继续执行 while unanswered, 更改 once answered. */
  buttonsInReach(): HTMLButtonElement[] {
    const decided = this.root.classList.contains('decided');
    const buttons = decided ? [this.changeButton] : [this.modifyButton, this.continueButton];
    return buttons.filter((button) => !button.disabled && !button.hidden);
  }

  update(
    result: JudgeResultDto,
    lineLabel: LineLabel,
    reasons: readonly string[],
    otherReason: string,
    lineNumber: LineNumber = () => undefined,
    orderLines: readonly string[] = [],
    /** rx_id → day of the lines the request show() was given sends for the encounter (requestLineDays). */
    orderDays: ReadonlyMap<string, LineDay> = new Map(),
  ): void {
    this.result = result;
    this.root.dataset.jrId = result.jr_id;
    this.root.classList.remove('sev-1', 'sev-2', 'sev-3');
    this.root.classList.add(`sev-${result.sev_deg}`);
    this.severity.textContent = SEVERITY_LABELS[result.sev_deg] ?? `严重程度 ${result.sev_deg}`;
    this.rule.textContent = result.rule_name || result.rule_id;
    this.amount.textContent = amountText(result);
    this.amount.hidden = this.amount.textContent === '';
    this.content.textContent = result.vola_cont;
    setChildren(this.evidence, [element(this.doc, 'span', 'label', '依据'), result.vola_evid]);
    this.evidence.title = result.vola_evid;
    this.evidence.hidden = !evidenceAddsText(result);
    this.lineList.renderLines(result, lineLabel, lineNumber, orderLines, orderDays);
    const blocked = result.wf_impact === 'block';
    this.impact.textContent = IMPACT_HINTS[result.wf_impact] ?? '';
    this.impact.classList.toggle('block', blocked);
    this.continueButton.disabled = blocked;
    this.continueButton.title = blocked ? '此提醒不可继续执行' : '';
    this.reasonForm.renderPicks(reasons, otherReason);
    this.renderPriorVisit();
  }

  /** The sidecar's prior_visit_rea / prior_visit_date, when the result carries both. */
  private renderPriorVisit(): void {
    const prior = priorVisitOf(this.result);
    this.reasonForm.priorVisitReason = prior?.reason ?? '';
    this.priorVisit.hidden = prior === undefined;
    this.reuseButton.hidden = prior === undefined;
    const text = prior === undefined ? '' : `上次就诊（${prior.date}）已确认继续：${prior.reason}`;
    if (this.priorVisit.textContent !== text) this.priorVisit.textContent = text;
  }

  /** 沿用上次理由 (reason-form.ts). */
  reusePriorVisitReason(): void {
    this.reasonForm.reusePriorVisitReason();
  }

  /**
   * `earlierModify`: the doctor answered 返回修改 on an earlier analysis and the warning came back as it was. That
   * answer does not answer this analysis (it must be given again), but the doctor sees she already chose it.
   */
  showDecision(decision: WarningDecision | undefined, earlierModify = false): void {
    this.earlier.hidden = decision !== undefined || !earlierModify;
    this.root.classList.toggle('decided', decision !== undefined && decision.delivery !== 'rejected');
    if (!decision) {
      this.outcome.hidden = true;
      return;
    }
    this.outcome.hidden = false;
    const way = decision.disposition === 'continue' ? '继续执行' : '返回修改';
    this.outcomeText.textContent = decision.reason ? `已选择：${way}（${decision.reason}）` : `已选择：${way}`;
    const stateText = DELIVERY_TEXT[decision.delivery];
    const state = decision.deliveryError ? `${stateText}：${decision.deliveryError}` : stateText;
    // A status region speaks whenever its text is written: only a new delivery state is news, not every re-render
    // (showChecking, each re-analysis) of a card whose answer is unchanged.
    if (this.outcomeState.textContent !== state) this.outcomeState.textContent = state;
    this.outcomeState.className = `state ${decision.delivery}`;
  }

  openForm(pickIndex?: number): void {
    this.reasonForm.openForm(this.result.wf_impact, pickIndex);
  }

  closeForm(): void {
    this.reasonForm.closeForm();
  }

  resetForm(): void {
    this.reasonForm.resetForm();
  }

  /** Checks quick-pick n (0-based), focus to the text (reason-form.ts). False when there is no such pick. */
  selectPick(index: number): boolean {
    return this.reasonForm.selectPick(index);
  }

  /** Whether a digit typed now in 理由说明 corrects the quick reason (reason-form.ts). */
  repicksOnDigit(): boolean {
    return this.reasonForm.repicksOnDigit();
  }

  /** How many quick reasons the form offers (keys 1 to n pick them). */
  pickCount(): number {
    return this.reasonForm.pickCount();
  }

  selectedPick(): string | undefined {
    return this.reasonForm.selectedPick();
  }

  showError(message: string, field: ReasonField = 'warning'): void {
    this.reasonForm.showError(message, field);
  }

  /** Where the doctor mends what an error is about: the text field, the first quick reason, or the warning. */
  control(field: ReasonField): HTMLElement {
    return this.reasonForm.control(field);
  }
}
