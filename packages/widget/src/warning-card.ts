import { amountText } from './amount-text';
import { CardLineList, type LineLabel, type LineNumber } from './card-lines';
import { setChildren } from './dom';
import { element, keyHint } from './dom-element';
import { evidenceAddsText } from './evidence';
import { IMPACT_HINTS, SEVERITY_LABELS } from './labels';
import type { LineDay } from './line-dates';
import { priorVisitOf } from './prior-visit';
import { MAX_REASON_LENGTH, pickPrefix, type ReasonField, textBudget } from './reason';
import type { JudgeResultDto, WarningDecision } from './types';

// The line types were declared here: the element and the package's index still import them from the card.
export type { LineLabel, LineLabelObject, LineNumber } from './card-lines';

let nextCardNumber = 0;

/** The text's length is shown this many characters before its limit is reached. */
const REASON_COUNT_BEFORE = 50;

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
  private readonly picks: HTMLElement;
  private readonly error: HTMLElement;
  private readonly reasonLimit: HTMLElement;
  private readonly outcome: HTMLElement;
  private readonly outcomeText: HTMLElement;
  private readonly outcomeState: HTMLElement;
  private readonly earlier: HTMLElement;
  /** 「上次就诊（…）已确认继续：…」: the reason the patient's earlier visit was continued with (PriorVisit). */
  private readonly priorVisit: HTMLElement;
  /** Fills the reason text with that reason, for the doctor to check, edit and submit. */
  readonly reuseButton: HTMLButtonElement;
  private priorVisitReason = '';
  private pickInputs: HTMLInputElement[] = [];
  /** The quick reason that needs free text (the element's other-reason). */
  private otherReason = '';
  /** A quick reason was just picked by its number key, and nothing was typed or clicked since (repicksOnDigit). */
  private keyPickPending = false;
  private reasonsKey = '';
  /** The last press in the quick reasons was the mouse's (or a finger's), not a key. */
  private pickedByPointer = false;
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

    this.form = element(doc, 'form', 'reason-form');
    this.form.hidden = true;
    this.form.noValidate = true;
    this.picks = element(doc, 'div', 'picks');
    this.picks.setAttribute('role', 'radiogroup');
    this.picks.setAttribute('aria-label', '继续执行理由');
    const textLabel = element(doc, 'label', 'text-label', '理由说明');
    this.reasonText = element(doc, 'input', 'reason-text');
    this.reasonText.type = 'text';
    this.reasonText.maxLength = MAX_REASON_LENGTH;
    this.reasonText.autocomplete = 'off';
    textLabel.append(this.reasonText);
    const formActions = element(doc, 'div', 'form-actions');
    const confirm = element(doc, 'button', 'confirm', '确认继续执行');
    confirm.type = 'submit';
    confirm.append(keyHint(doc, 'Enter'));
    this.cancelButton = element(doc, 'button', 'cancel', '取消');
    this.cancelButton.type = 'button';
    this.cancelButton.append(keyHint(doc, 'Esc'));
    formActions.append(confirm, this.cancelButton);
    // maxLength cuts a longer paste without a word: the doctor is told, and sees the count before the end.
    this.reasonLimit = element(doc, 'p', 'reason-limit');
    this.reasonLimit.id = `${id}-limit`;
    this.reasonLimit.setAttribute('aria-live', 'polite');
    this.reasonText.addEventListener('input', () => {
      this.keyPickPending = false;
      this.showReasonLength();
    });
    this.reasonText.addEventListener('blur', () => {
      this.keyPickPending = false;
    });
    // The quick reason takes its share of the 500 characters: the text's own limit follows the pick.
    this.picks.addEventListener('change', () => {
      this.fitTextToPick();
      // A quick reason clicked is picked as one chosen by its number key: the doctor types her addition next. Arrow
      // keys also change the pick, but they walk the radio group and must keep the focus there.
      if (this.pickedByPointer) this.reasonText.focus();
    });
    this.picks.addEventListener('pointerdown', () => {
      this.keyPickPending = false;
      this.pickedByPointer = true;
    });
    this.picks.addEventListener('keydown', () => {
      this.pickedByPointer = false;
    });
    this.error = element(doc, 'p', 'error');
    this.error.id = `${id}-error`;
    this.error.setAttribute('role', 'alert');
    this.reasonText.setAttribute('aria-describedby', `${this.reasonLimit.id} ${this.error.id}`);
    this.reuseButton = element(doc, 'button', 'reuse', '沿用上次理由');
    this.reuseButton.type = 'button';
    this.reuseButton.hidden = true;
    this.reuseButton.addEventListener('click', () => this.reusePriorVisitReason());
    this.form.append(this.picks, this.reuseButton, textLabel, this.reasonLimit, formActions, this.error);

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
    return !this.form.hidden;
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
    return this.picks.contains(target);
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
    this.renderPicks(reasons, otherReason);
    this.renderPriorVisit();
  }

  /** The sidecar's prior_visit_rea / prior_visit_date, when the result carries both. */
  private renderPriorVisit(): void {
    const prior = priorVisitOf(this.result);
    this.priorVisitReason = prior?.reason ?? '';
    this.priorVisit.hidden = prior === undefined;
    this.reuseButton.hidden = prior === undefined;
    const text = prior === undefined ? '' : `上次就诊（${prior.date}）已确认继续：${prior.reason}`;
    if (this.priorVisit.textContent !== text) this.priorVisit.textContent = text;
  }

  /**
   * The earlier visit's reason into the text, cut to what the chosen quick reason leaves of the 500 characters (a
   * value set by script is not cut by maxLength), and the focus there: the doctor reads it, may edit it, and confirms
   * as for any reason she typed. Nothing is sent from here.
   */
  reusePriorVisitReason(): void {
    if (this.priorVisitReason === '') return;
    this.reasonText.value = this.priorVisitReason.slice(0, textBudget(this.selectedPick()));
    this.showReasonLength();
    this.reasonText.focus();
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
    this.form.hidden = false;
    this.clearError();
    this.reasonText.placeholder =
      this.result.wf_impact === 'reason' ? '选择上方理由或填写说明（必填）' : '可补充说明（选填）';
    if (pickIndex !== undefined) this.selectPick(pickIndex);
  }

  closeForm(): void {
    this.form.hidden = true;
    this.clearError();
  }

  resetForm(): void {
    for (const input of this.pickInputs) input.checked = false;
    this.reasonText.value = '';
    this.fitTextToPick();
    this.closeForm();
  }

  /** The text may hold what is left of the 500 characters once the chosen quick reason and its 「；」 are counted. */
  private fitTextToPick(): void {
    this.reasonText.maxLength = textBudget(this.selectedPick());
    this.showReasonLength();
  }

  private showReasonLength(): void {
    const length = this.reasonText.value.length;
    const budget = textBudget(this.selectedPick());
    const prefix = pickPrefix(this.selectedPick());
    // With a quick reason the doctor is told why the text's limit is under 500.
    const share = prefix ? `（所选“${prefix}”占 ${prefix.length} 字，合计最多 ${MAX_REASON_LENGTH} 字）` : '';
    const text =
      length > budget
        ? `超出 ${length - budget} 字，请删减${share}`
        : length === budget
          ? `已满 ${budget} 字，超出的部分未录入${share}`
          : length >= budget - REASON_COUNT_BEFORE
            ? `${length}/${budget} 字${share}`
            : '';
    // A live region speaks on every write: only a changed text is news.
    if (this.reasonLimit.textContent !== text) this.reasonLimit.textContent = text;
  }

  /**
   * Checks quick-pick n (0-based) and moves focus to the text: left on the radio, the addition the doctor types next
   * went nowhere. Returns false when there is no such pick.
   */
  selectPick(index: number): boolean {
    const input = this.pickInputs[index];
    if (!input) return false;
    input.checked = true;
    this.reasonText.focus();
    this.keyPickPending = true;
    this.fitTextToPick();
    return true;
  }

  /**
   * Whether a digit typed now in 理由说明 corrects the quick reason rather than being text: only as the next key after
   * a pick by its number key (1 then 2), and never under the quick reason that asks for free text (其他), whose text
   * may begin with a number.
   */
  repicksOnDigit(): boolean {
    return this.keyPickPending && this.reasonText.value === '' && this.selectedPick() !== this.otherReason;
  }

  /** How many quick reasons the form offers (keys 1 to n pick them). */
  pickCount(): number {
    return this.pickInputs.length;
  }

  selectedPick(): string | undefined {
    return this.pickInputs.find((input) => input.checked)?.value;
  }

  showError(message: string, field: ReasonField = 'warning'): void {
    this.error.textContent = message;
    if (field === 'text') this.reasonText.setAttribute('aria-invalid', 'true');
    else this.reasonText.removeAttribute('aria-invalid');
  }

  /** Where the doctor mends what an error is about: the text field, the first quick reason, or the warning. */
  control(field: ReasonField): HTMLElement {
    if (field === 'text') return this.reasonText;
    if (field === 'pick') return this.pickInputs[0] ?? this.reasonText;
    return this.root;
  }

  private clearError(): void {
    this.error.textContent = '';
    this.reasonText.removeAttribute('aria-invalid');
  }

  private renderPicks(reasons: readonly string[], otherReason: string): void {
    const key = `${reasons.join('\u0001')}\u0002${otherReason}`;
    if (key === this.reasonsKey) return;
    this.reasonsKey = key;
    this.otherReason = otherReason;
    const name = `${this.root.getAttribute('aria-labelledby')}-pick`;
    this.pickInputs = reasons.map((reason) => {
      const input = element(this.doc, 'input');
      input.type = 'radio';
      input.name = name;
      input.value = reason;
      return input;
    });
    setChildren(
      this.picks,
      this.pickInputs.map((input, index) => {
        const label = element(this.doc, 'label');
        const hint = index < 9 ? [keyHint(this.doc, String(index + 1))] : [];
        label.append(input, ...hint, input.value);
        return label;
      }),
    );
    // New quick reasons start unchosen: the text gets the whole limit back.
    this.fitTextToPick();
  }
}
