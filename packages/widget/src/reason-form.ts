import { setChildren } from './dom';
import { element, keyHint } from './dom-element';
import { MAX_REASON_LENGTH, pickPrefix, type ReasonField, textBudget } from './reason';
import type { JudgeResultDto } from './types';

/** The text's length is shown this many characters before its limit is reached. */
const REASON_COUNT_BEFORE = 50;

/**
 * A warning's 继续执行 reason form: the quick reasons (keys 1–9), the text with its share of the 500 characters, 沿用上次理由,
 * 确认 / 取消 and the error. Apart from the card because the form has its own state (which quick reason, how it was
 * picked, the text's budget) that the rest of the card never reads.
 */
export class ReasonForm {
  readonly form: HTMLFormElement;
  readonly reasonText: HTMLInputElement;
  /** The form's last control: Tab from it goes on to the next warning. */
  readonly cancelButton: HTMLButtonElement;
  /** Fills the reason text with that reason, for the doctor to check, edit and submit. */
  readonly reuseButton: HTMLButtonElement;
  /** The reason the patient's earlier visit was continued with (the card's PriorVisit), '' when none. */
  priorVisitReason = '';
  private readonly picks: HTMLElement;
  private readonly error: HTMLElement;
  private readonly reasonLimit: HTMLElement;
  private pickInputs: HTMLInputElement[] = [];
  /** The quick reason that needs free text (the element's other-reason). */
  private otherReason = '';
  /** A quick reason was just picked by its number key, and nothing was typed or clicked since (repicksOnDigit). */
  private keyPickPending = false;
  private reasonsKey = '';
  /** The last press in the quick reasons was the mouse's (or a finger's), not a key. */
  private pickedByPointer = false;

  /** `cardRoot`: the card's li, named by its head (the picks' radio name) and focused for errors about the warning. */
  constructor(
    private readonly doc: Document,
    private readonly cardRoot: HTMLElement,
    id: string,
  ) {
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
  }

  get formOpen(): boolean {
    return !this.form.hidden;
  }

  /**
   * Whether Shift+Tab from `target` leaves the open form backwards: the form starts with the quick reasons (there are
   * always some: the element falls back to its defaults), one Tab stop as a radio group, so from any of them.
   */
  startsForm(target: Element): boolean {
    return this.picks.contains(target);
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

  openForm(wfImpact: JudgeResultDto['wf_impact'], pickIndex?: number): void {
    this.form.hidden = false;
    this.clearError();
    this.reasonText.placeholder = wfImpact === 'reason' ? '选择上方理由或填写说明（必填）' : '可补充说明（选填）';
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
    return this.cardRoot;
  }

  private clearError(): void {
    this.error.textContent = '';
    this.reasonText.removeAttribute('aria-invalid');
  }

  renderPicks(reasons: readonly string[], otherReason: string): void {
    const key = `${reasons.join('\u0001')}\u0002${otherReason}`;
    if (key === this.reasonsKey) return;
    this.reasonsKey = key;
    this.otherReason = otherReason;
    const name = `${this.cardRoot.getAttribute('aria-labelledby')}-pick`;
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
