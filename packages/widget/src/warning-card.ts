import { setChildren } from './dom';
import { evidenceAddsText } from './evidence';
import { formatAmount, IMPACT_HINTS, SEVERITY_LABELS } from './labels';
import { type DaySpan, dayOf, daySpan, type LineDay } from './line-dates';
import { MAX_REASON_LENGTH, pickPrefix, type ReasonField, textBudget } from './reason';
import type { JudgeResultDetailDto, JudgeResultDto, WarningDecision } from './types';

let nextCardNumber = 0;

/** The text's length is shown this many characters before its limit is reached. */
const REASON_COUNT_BEFORE = 50;

function element<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function keyHint(doc: Document, key: string): HTMLElement {
  const kbd = element(doc, 'kbd', undefined, key);
  kbd.setAttribute('aria-hidden', 'true');
  return kbd;
}

/**
 * How the doctor knows a line: its name, or its name with the rx_id small beside it (for a page with no order table
 * to find the line in: the sidecar's reminder page); undefined shows the rx_id alone. `date`, the line's
 * drord_begn_date (or any form of it core reads), dates a grouped entry where the request show() was given has none.
 */
export type LineLabel = (rxId: string) => string | LineLabelObject | undefined;

export interface LineLabelObject {
  name: string;
  withRxId?: boolean;
  date?: string;
}

/** The number of the host's row for an rx_id, as the doctor sees it in the table (1-based), when there is one. */
export type LineNumber = (rxId: string) => number | undefined;

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
/**
 * The card's amount line: formatAmount's (none for vola_amt 0, the data-quality checks, a field missing or a line
 * entered twice, nor for an amount not carried). One whose amount could not be computed says so.
 */
function amountText(result: JudgeResultDto): string {
  return result.vola_amt_stas === '0' ? '金额待核' : formatAmount(result.vola_amt);
}

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
  /** The rx_ids of grouped entries, where the labels ask for rx_ids (rxIdList). */
  private readonly rxIds: HTMLElement;
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
    this.renderLines(lineLabel, lineNumber, orderLines, orderDays);
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

  /**
   * `orderLines`: the rx_ids of the whole order the analysis was given (empty when unknown). A warning may flag one of
   * two orders of an item (结算明细信息异常 flags the second of a double entry): its name alone fits both rows.
   */
  private renderLines(
    lineLabel: LineLabel,
    lineNumber: LineNumber,
    orderLines: readonly string[],
    orderDays: ReadonlyMap<string, LineDay>,
  ): void {
    const parts: (string | Node)[] = [element(this.doc, 'span', 'label', '医嘱')];
    const lines: CardLine[] = [];
    const nameOf = (rxId: string) => {
      const label = lineLabel(rxId);
      // A plain-JS host's hook may answer null (a lookup that found nothing): that is no label, as undefined is.
      const named = typeof label === 'object' && label !== null ? label : undefined;
      const name = typeof label === 'string' ? label : typeof named?.name === 'string' ? named.name : rxId;
      return { name, withRxId: named?.withRxId === true && name !== rxId, day: dayOf(named?.date) };
    };
    for (const detail of this.result.judge_result_detail_dtos) {
      if (!detail.rx_id || lines.some((line) => line.rxId === detail.rx_id)) continue;
      const { name, withRxId, day } = nameOf(detail.rx_id);
      lines.push({
        rxId: detail.rx_id,
        name,
        withRxId,
        // The host's date of its own line first; else the one the request sent it with.
        day: day ?? orderDays.get(detail.rx_id),
        violation: detail.vola_item_type !== '2',
        rows: rowsStoodFor(detail),
      });
    }
    // Every line the doctor may see under a name, in the order's order; the card's own lines where it is not known.
    const seen = [...new Set([...orderLines, ...lines.map((line) => line.rxId)])];
    const names = new Map<string, string>(lines.map((line) => [line.rxId, line.name]));
    const nameIn = (rxId: string) => {
      let name = names.get(rxId);
      if (name === undefined) {
        name = nameOf(rxId).name;
        names.set(rxId, name);
      }
      return name;
    };
    // A long stay's card flags one item once a day: its lines of one name read as one entry, not 30 to 90 names.
    const groups = groupByName(lines);
    const withRxIds: CardLine[][] = [];
    groups.forEach((group, index) => {
      if (index > 0) parts.push('、');
      const line = group[0]!;
      if (rowCount(group) >= GROUP_FROM || group.some((one) => one.rows > 1)) {
        parts.push(...this.groupedEntry(line.name, group));
        if (group.some((one) => one.withRxId)) withRxIds.push(group);
        return;
      }
      for (const [place, one] of group.entries()) {
        if (place > 0) parts.push('、');
        parts.push(...this.lineEntry(one, seen, nameIn, lineNumber));
      }
    });
    // No detail rows (a result shortened to fit has none): no 医嘱 line, rather than one saying no line is involved.
    this.lines.hidden = lines.length === 0;
    setChildren(this.lines, parts);
    // Named by item only where two grouped entries' boxes could be taken for each other.
    setChildren(
      this.rxIds,
      withRxIds.map((group) => this.rxIdList(group, withRxIds.length > 1)),
    );
    this.rxIds.hidden = withRxIds.length === 0;
  }

  /** One line by name: 「地屈孕酮片（违规项）」, or with its row where another line reads the same. */
  private lineEntry(
    line: CardLine,
    seen: readonly string[],
    nameIn: (rxId: string) => string,
    lineNumber: LineNumber,
  ): (string | Node)[] {
    const parts: (string | Node)[] = [
      element(this.doc, 'span', line.violation ? 'line-violation' : 'line-involved', line.name),
    ];
    if (line.withRxId) parts.push(' ', element(this.doc, 'span', 'line-rx-id', line.rxId));
    const kind = line.violation ? '违规项' : '涉及项';
    // Two orders of one item (a 临时 and a 长期 order, a double entry) read the same: say which row each is.
    const namesake = seen.filter((rxId) => nameIn(rxId) === line.name);
    if (namesake.length < 2) {
      parts.push(`（${kind}）`);
      return parts;
    }
    const row = lineNumber(line.rxId);
    parts.push(
      row === undefined ? `（第 ${namesake.indexOf(line.rxId) + 1} 条，${kind}）` : `（第 ${row} 行，${kind}）`,
    );
    return parts;
  }

  /**
   * 「奥扎格雷氨丁三醇注射用浓溶液 ×30：16 条违规项（09-03 至 09-18），14 条涉及项（08-20 至 09-02）」: a long stay's doctor
   * needs when, not only how many. The ×30 is hidden from screen readers: the counts after it say the same in words;
   * so are the days, said to them as 「9月3日至9月18日」. A kind whose lines' days are not all known names no days. The
   * rows stay marked one by one (row-highlighter works from the result, not from here).
   */
  private groupedEntry(name: string, group: readonly CardLine[]): (string | Node)[] {
    const violating = group.filter((line) => line.violation);
    const involving = group.filter((line) => !line.violation);
    const count = element(this.doc, 'span', 'line-count', ` ×${rowCount(group)}`);
    count.setAttribute('aria-hidden', 'true');
    const parts: (string | Node)[] = [
      element(this.doc, 'span', violating.length > 0 ? 'line-violation' : 'line-involved', name),
      count,
      '：',
    ];
    for (const [kind, lines] of [
      ['违规项', violating],
      ['涉及项', involving],
    ] as const) {
      if (lines.length === 0) continue;
      if (parts.length > 3) parts.push('，');
      parts.push(`${rowCount(lines)} 条${kind}`);
      // Rows an answer folded into one (same_item_rows) left their days behind: a span of the rest could be too short.
      const span = lines.every((line) => line.rows === 1) ? daySpan(lines.map((line) => line.day)) : undefined;
      if (span) parts.push(...this.daySpanParts(span));
    }
    return parts;
  }

  /**
   * The reminder page has no order table: a HIS doctor finds each order by the rx_id a single line shows beside its
   * name. A group's rx_ids, by kind as counted, sit under the 医嘱 line in a box two small lines high that scrolls (with
   * all of them in its title), so a stay's 30 to 90 orders do not lengthen the card again.
   */
  private rxIdList(group: readonly CardLine[], named: boolean): HTMLElement {
    const list = element(this.doc, 'p', 'line-rx-ids', named ? `${group[0]!.name}：` : undefined);
    // Reached by Tab from its warning (card-keys.ts's Tab handling), not a Tab stop of its own in the page's
    // order: the roving warning stays the panel's one way in. One stop for the box, none per rx_id.
    list.tabIndex = -1;
    list.setAttribute('role', 'group');
    list.setAttribute('aria-label', `${group[0]!.name} 的医嘱号，共 ${rowCount(group)} 条，方向键滚动`);
    for (const [kind, lines] of [
      ['违规项', group.filter((line) => line.violation)],
      ['涉及项', group.filter((line) => !line.violation)],
    ] as const) {
      if (lines.length === 0) continue;
      if (list.childElementCount > 0) list.append('；');
      list.append(kind);
      // Each rx_id whole on its line: a break at its hyphen would read as two orders.
      for (const line of lines) list.append(' ', element(this.doc, 'span', undefined, line.rxId));
    }
    list.title = list.textContent ?? '';
    return list;
  }

  /** 「（09-03 至 09-18）」 on screen, 「（9月3日至9月18日）」 to a screen reader. */
  private daySpanParts(span: DaySpan): Node[] {
    const shown = element(this.doc, 'span', 'line-days', `（${span.shown}）`);
    shown.setAttribute('aria-hidden', 'true');
    return [shown, element(this.doc, 'span', 'sr-only', `（${span.spoken}）`)];
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

/** A line a card names: what the result's detail row gives (rx_id, 违规项 or 涉及项) and what the host calls it. */
interface CardLine {
  rxId: string;
  name: string;
  withRxId: boolean;
  /** The day it was ordered on (drord_begn_date), when the host or the request gave it. */
  day: LineDay | undefined;
  violation: boolean;
  /** How many of the result's rows it stands for: more than 1 where an answer cut to its bound folded them into one. */
  rows: number;
}

/**
 * prealert's extension on a detail row of an answer shortened to the national 40,000 characters (sidecar README,
 * `same_item_rows`): the 涉及项 rows of one item it stands for, itself included.
 */
function rowsStoodFor(detail: JudgeResultDetailDto): number {
  const { same_item_rows: rows } = detail as JudgeResultDetailDto & { same_item_rows?: unknown };
  return typeof rows === 'number' && Number.isInteger(rows) && rows > 1 ? rows : 1;
}

function rowCount(lines: readonly CardLine[]): number {
  return lines.reduce((sum, line) => sum + line.rows, 0);
}

/**
 * From this many lines of one name on, a card shows them as one entry with counts. Two lines of one item (a 临时 and a
 * 长期 order, a double entry) stay named one by one with their rows, which the doctor needs to tell them apart; three
 * or more are a series (a stay's daily orders), where the names only push the next warning off the screen.
 */
export const GROUP_FROM = 3;

/**
 * The card's lines by name, in the order each name first appears. A detail row carries no national code and no date
 * (rx_id, vola_item_type, vola_amt), so the name the host gives a line is what identifies its item here (its day
 * comes from the host's label or the request: line-dates.ts).
 */
function groupByName(lines: readonly CardLine[]): CardLine[][] {
  const groups = new Map<string, CardLine[]>();
  for (const line of lines) {
    const group = groups.get(line.name);
    if (group) group.push(line);
    else groups.set(line.name, [line]);
  }
  return [...groups.values()];
}

/**
 * prealert's extension fields on a result whose patient got a 继续执行 with a reason on the same rule and point in an
 * earlier visit (sidecar README, "Extension fields on 3101/3102 results"): the reason and its day.
 */
export interface PriorVisit {
  reason: string;
  date: string;
}

function priorVisitOf(result: JudgeResultDto): PriorVisit | undefined {
  const { prior_visit_rea: reason, prior_visit_date: date } = result as JudgeResultDto & {
    prior_visit_rea?: unknown;
    prior_visit_date?: unknown;
  };
  return typeof reason === 'string' && reason.trim() !== '' && typeof date === 'string'
    ? { reason: reason.trim(), date }
    : undefined;
}
