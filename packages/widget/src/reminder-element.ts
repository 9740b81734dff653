// The SDK's module, bundled: the widget and @prealert/client decide by the same rule which warnings an edit resolved.
import { sentLineIds, VanishedWarnings } from '@prealert/client/vanished';
import { replayEarlierAnswers } from './answer-replay';
import { splitList } from './attribute-list';
import { type CardKeyActions, handleCardKey } from './card-keys';
import { ConfirmAll } from './confirm-all';
import { decisionFeedback } from './decision-feedback';
import { EncounterMemory, encounterKey } from './encounter-memory';
import type { FeedbackSender } from './feedback-sender';
import { FocusReturn } from './focus-return';
import { hostOrigins, isHostHotkey } from './host-hotkey';
import { HostRows } from './host-rows';
import { hintText } from './key-hints';
import { DEFAULT_OTHER_REASON, DEFAULT_REASONS } from './labels';
import { type LineDay, requestLineDays } from './line-dates';
import { LiveAnnouncer } from './live-announcer';
import { progressText } from './progress-text';
import { composeReason, DEFAULT_CONFIRM_REASON, MAX_REASON_LENGTH } from './reason';
import { takeResults } from './result-intake';
import { ensureRowStyles, type RowResolver } from './row-highlighter';
import { focusRow } from './row-lookup';
import { type SaveReadiness, sameReadiness, saveReadiness } from './save-readiness';
import { renderSeverityBadges } from './severity-badges';
import { severityCounts } from './severity-counts';
import { severityOrder } from './severity-order';
import { SidecarLink } from './sidecar-link';
import { SidecarOutage } from './sidecar-outage';
import { type Phase, renderStatusNotice } from './status-notice';
import { REMINDER_STYLES } from './styles';
import { answerOf, decisionsInOrder, type TrackedDecision, taskOf } from './tracked-decision';
import type {
  DecisionEventDetail,
  Disposition,
  FeedbackEnvelopeFields,
  JudgeResultDto,
  ModifyEventDetail,
  ResolvedEventDetail,
  ShowOptions,
  WarningDecision,
} from './types';
import { type LineLabel, type LineNumber, WarningCard } from './warning-card';

export const REMINDER_TAG = 'prealert-reminder';

/**
 * Encounters (patn_id with mdtrt_id) whose answers the element keeps once another is shown: a doctor goes back to a
 * patient after seeing others, and her answers there still count; bounded, so a clinic day of patients does not grow
 * without end.
 */
const ENCOUNTERS_REMEMBERED = 20;

// Lets the module be imported (for types, tests, SSR) where there is no DOM; it is only defined in a browser.
const ElementBase: typeof HTMLElement =
  typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

/**
 * `<prealert-reminder>`: shows the warnings of one 3101/3102 answer next to the HIS's order table and
 * records the doctor's answer to each as a 3103. Keyboard: F8 (configurable) jumps in, Tab / Shift+Tab and
 * ↑/↓ move between warnings (the list is one Tab stop per warning, its buttons are not), ←/→ move between a
 * warning's buttons, M 返回修改, C 继续执行, 1–9 picks a reason, Enter confirms, Esc cancels.
 *
 * Attributes: sidecar, reasons, other-reason, confirm-reason, row-selector, hotkey, host-origin (the parent page
 * that may forward the hotkey to a widget in an iframe: host-hotkey.ts), heading, no-row-style,
 * feedback-timeout, whole-prescriptions (the host's requests always carry whole prescriptions; show()'s
 * `wholePrescriptions`).
 * Properties: lineLabel, rowResolver, envelope. Methods: show(), showChecking(), showUnavailable(), clear(), focusFirst(),
 * refreshRows(), decide().
 * Events (bubbling, composed): prealert-decision, prealert-recorded, prealert-feedback-error, prealert-modify
 * (cancelable: default focuses the row), prealert-highlight, prealert-answered (every warning has an answer,
 * some may still be on their way), prealert-complete (every answer is recorded by the sidecar), prealert-resolved
 * (warnings an edit resolved, answered 返回修改 for the doctor; show() with `request`).
 */
export class PrealertReminderElement extends ElementBase {
  static get observedAttributes(): string[] {
    return ['reasons', 'other-reason', 'heading', 'hotkey', 'sidecar'];
  }

  /** Maps an rx_id to the name the doctor knows the line by (defaults to the rx_id). */
  lineLabel: LineLabel = () => undefined;
  /** Finds the host's row for an rx_id; defaults to `row-selector` in this element's root. */
  rowResolver: RowResolver | undefined;
  /** Header fields of the 3103 envelope (fixmedins_code, opter …). */
  envelope: FeedbackEnvelopeFields = {};

  private readonly shadow: ShadowRoot;
  private readonly heading: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly progress: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly confirmAllButton: HTMLButtonElement;
  /** 全部确认 and the forms it fills one after another (confirm-all.ts). */
  private readonly bulkConfirm: ConfirmAll;
  private readonly announcer: LiveAnnouncer;
  private readonly hints: HTMLElement;
  private readonly cards = new Map<string, WarningCard>();
  private readonly decisionsByJr = new Map<string, TrackedDecision>();
  /** The 3103 queue and the outage probe (sidecar-link.ts); sender is its part. */
  private readonly link: SidecarLink;
  private readonly sender: FeedbackSender;
  /** Whether the sidecar is away, and what a delivery or its return changes (sidecar-outage.ts). */
  private readonly outage: SidecarOutage;
  private readonly rows: HostRows;
  private readonly vanished = new VanishedWarnings();
  private results: JudgeResultDto[] = [];
  /** rx_ids of show()'s `request` by encounter: the lines a card's line may share its name with (none without it). */
  private sentLines = new Map<string, string[]>();
  /** rx_id → drord_begn_date's day of show()'s `request` lines by encounter: when a card's grouped lines were ordered. */
  private sentDays = new Map<string, Map<string, LineDay>>();
  private infno = '3101';
  private taskIdValue = '';
  /** Where the panel stands apart from an outage, which sidecar-outage.ts knows of (`phase`). */
  private panelPhase: Exclude<Phase, 'unavailable'> = 'idle';
  /** showChecking() was called and no show(), showUnavailable() or clear() has ended it yet. */
  private checking = false;
  private lastReadiness: SaveReadiness | undefined;
  private activeJrId: string | undefined;
  private readonly focusReturn: FocusReturn;
  /**
   * The warnings answered when they left the panel (emptied by showUnavailable or clear(), or another encounter shown),
   * by encounter: one found open again when its encounter is shown next is one to handle again, not a new one. Kept
   * until then, so an outage, a clear() and other patients in between lose none; and which encounters' settled
   * decisions to keep (forgetOtherEncounters), for the last ENCOUNTERS_REMEMBERED shown.
   */
  private readonly encounters = new EncounterMemory(ENCOUNTERS_REMEMBERED);
  private answeredAnnounced = false;
  /** show()'s notShown: some reminders of the answer shown could not be, so "all" is never said of it. */
  private someNotShown = false;
  private completeAnnounced = false;
  private versions = 0;
  private readonly onDocumentKeydown = (event: KeyboardEvent) => this.handleHotkey(event);
  private readonly onMessage = (event: MessageEvent) => {
    const win = this.ownerDocument.defaultView;
    if (win && isHostHotkey(event, win, hostOrigins(this.getAttribute('host-origin')))) this.jumpIn(event.origin);
  };

  constructor() {
    super();
    this.shadow = this.attachShadow({ mode: 'open' });
    this.focusReturn = new FocusReturn(this, this.shadow);
    const doc = this.ownerDocument;
    const style = doc.createElement('style');
    style.textContent = REMINDER_STYLES;
    const panel = doc.createElement('section');
    panel.className = 'panel';
    panel.setAttribute('part', 'panel');
    panel.setAttribute('aria-label', '医保智能提醒');
    const bar = doc.createElement('div');
    bar.className = 'bar';
    this.heading = doc.createElement('h2');
    this.counts = doc.createElement('div');
    this.counts.className = 'counts';
    this.progress = doc.createElement('span');
    this.progress.className = 'progress';
    bar.append(this.heading, this.counts, this.progress);
    this.notice = doc.createElement('p');
    this.notice.className = 'notice';
    this.confirmAllButton = doc.createElement('button');
    this.confirmAllButton.type = 'button';
    this.confirmAllButton.className = 'confirm-all';
    // Like the cards' own buttons: reached by its key (A on any warning) or the mouse, not an extra Tab stop.
    this.confirmAllButton.tabIndex = -1;
    this.confirmAllButton.setAttribute('aria-keyshortcuts', 'A');
    this.bulkConfirm = new ConfirmAll(this.confirmAllButton, {
      results: () => this.results,
      cards: this.cards,
      decisionsByJr: this.decisionsByJr,
      confirmReason: () => this.confirmReason,
      isAnswered: (jrId) => this.isAnswered(jrId),
      renderHints: (offered) => this.renderHints(offered),
      sendDecision: (result, disposition, reason) => this.sendDecision(result, disposition, reason),
      emit: (type, detail) => this.emit(type, detail),
      renderProgress: () => this.renderProgress(),
      announce: (text) => this.announce(text),
      announceAnswersAgain: () => this.announceAnswersAgain(),
      checkAnswered: () => this.checkAnswered(),
      focusCard: (jrId) => this.focusCard(jrId),
      focusNextUndecided: (fromJrId) => this.focusNextUndecided(fromJrId),
      openContinue: (card) => this.openContinue(card),
    });
    this.list = doc.createElement('ol');
    this.list.className = 'cards';
    this.list.setAttribute('aria-label', '提醒列表');
    const live = doc.createElement('div');
    live.className = 'sr-only';
    live.setAttribute('aria-live', 'polite');
    this.announcer = new LiveAnnouncer(live);
    this.hints = doc.createElement('p');
    this.hints.className = 'hints';
    panel.append(bar, this.notice, this.confirmAllButton, this.list, this.hints, live);
    this.shadow.append(style, panel);

    this.link = new SidecarLink(this, {
      onDelivery: (item, state, error) => this.outage.delivery(item, state, error),
      sidecarBack: () => this.outage.back(),
      nextVersion: () => ++this.versions,
      renderProgress: () => this.renderProgress(),
    });
    this.sender = this.link.sender;
    this.outage = new SidecarOutage(this.link, {
      isConnected: () => this.isConnected,
      notice: this.notice,
      decisionsByJr: this.decisionsByJr,
      cards: this.cards,
      leavePanel: () => {
        this.announcer.withdraw();
        this.rememberAnswered();
      },
      emptyPanel: () => {
        this.checking = false;
        this.results = [];
      },
      resumePanel: () => {
        this.panelPhase = this.checking ? 'checking' : 'idle';
      },
      render: () => this.render(),
      renderProgress: () => this.renderProgress(),
      showAnswer: (card) => this.showAnswer(card),
      announce: (text) => this.announce(text),
      announceAnswersAgain: () => this.announceAnswersAgain(),
      checkComplete: () => this.checkComplete(),
      emit: (type, detail) => this.emit(type, detail),
    });
    this.rows = new HostRows(this);
    this.shadow.addEventListener('keydown', (event) => this.onKeydown(event as KeyboardEvent));
    this.shadow.addEventListener('click', (event) => this.onClick(event as MouseEvent));
    this.shadow.addEventListener('submit', (event) => this.onSubmit(event));
    this.shadow.addEventListener('focusin', (event) => this.onFocusIn(event as FocusEvent));
    this.render();
  }

  connectedCallback(): void {
    this.ownerDocument.addEventListener('keydown', this.onDocumentKeydown, true);
    this.ownerDocument.defaultView?.addEventListener('beforeunload', this.link.onBeforeUnload);
    this.ownerDocument.defaultView?.addEventListener('message', this.onMessage);
    this.sender.resume();
    this.adoptStored();
    this.outage.attached();
    if (!this.hasAttribute('no-row-style')) ensureRowStyles(this.getRootNode() as Document | ShadowRoot);
    this.refreshHighlights();
  }

  disconnectedCallback(): void {
    this.ownerDocument.removeEventListener('keydown', this.onDocumentKeydown, true);
    this.ownerDocument.defaultView?.removeEventListener('beforeunload', this.link.onBeforeUnload);
    this.ownerDocument.defaultView?.removeEventListener('message', this.onMessage);
    this.outage.detached();
    this.rows.clear();
    // No retry timers for a detached element. Undelivered answers stay queued (pendingFeedback) and go
    // out again if the host re-attaches the element, e.g. after moving it in its layout.
    this.sender.suspend();
  }

  attributeChangedCallback(name: string): void {
    // A host that sets `sidecar` after attaching the element: the answers left for that sidecar are sent now.
    if (name === 'sidecar' && this.isConnected) this.adoptStored();
    this.render();
  }

  /**
   * Shows the warnings of one analysis; decisions already made for the same jr_id are kept. `infno` defaults to
   * 3101 and `taskId` to the results' task_id, never to an earlier call's: the next patient's 3103 must not go out
   * with the last one's warn_type.
   */
  show(given: readonly JudgeResultDto[], options: ShowOptions = {}): void {
    // A result cut to fit the caller (skeleton, bare) lacks fields the cards read: made whole here, not per card.
    const results = takeResults(given, [...new Set([this.confirmReason, DEFAULT_CONFIRM_REASON])]);
    // Before anything changes: a warning answered now, or when its encounter was last shown, and open again after
    // this analysis is news to announce.
    this.rememberAnswered();
    const answeredBefore = this.encounters.takeAnswered(results);
    this.infno = options.infno ?? '3101';
    const previousTask = this.taskIdValue;
    this.taskIdValue = options.taskId ?? results.find((r) => r.task_id)?.task_id ?? '';
    replayEarlierAnswers(this.decisionsByJr, results, options, {
      taskId: this.taskIdValue,
      nextVersion: () => ++this.versions,
      queuedFor: (jrId) => this.sender.queuedFor(jrId),
    });
    if (options.request !== undefined) {
      const analysis = {
        infno: this.infno,
        request: options.request,
        results,
        truncated: options.truncated === true,
        wholePrescriptions: options.wholePrescriptions ?? this.hasAttribute('whole-prescriptions'),
      };
      this.reportResolved(this.vanished.next(analysis));
    }
    this.sentLines = options.request === undefined ? new Map() : sentLineIds(options.request);
    this.sentDays = options.request === undefined ? new Map() : requestLineDays(options.request);
    this.forgetOtherEncounters(results);
    const previousIds = new Set(this.results.map((r) => r.jr_id));
    this.results = [...results].sort(severityOrder);
    const notShown = options.notShown;
    this.someNotShown = typeof notShown === 'number' && notShown > 0 && Math.floor(notShown) === notShown;
    this.panelPhase = 'shown';
    this.outage.analysed();
    this.checking = false;
    const unseen = this.results.filter((r) => !previousIds.has(r.jr_id));
    // A new analysis is answered (and announced) on its own, even where every warning is one seen before.
    if (unseen.length > 0 || this.taskIdValue !== previousTask) this.announceAnswersAgain();
    this.render();
    // An answer that no longer counts (a 返回修改 given on the analysis before, and the warning is still found) leaves
    // a warning open again: without a word, the last thing said would still be 「全部提醒已处理并记录」. After an
    // outage the panel was empty, yet such a warning is not a new one either.
    const reopened = this.results.filter((r) => answeredBefore.has(r.jr_id) && !this.isAnswered(r.jr_id));
    const fresh = unseen.filter((r) => !reopened.includes(r));
    // Each sentence says what it counts: the severities of the new warnings (not of all shown), then how many are
    // shown in all when others were there before.
    // A new warning already answered (continued in an earlier answer of this encounter) needs nothing of the doctor:
    // counted apart, not as news to act on.
    const freshOpen = fresh.filter((r) => !this.isAnswered(r.jr_id));
    const freshDone = fresh.length - freshOpen.length;
    if (fresh.length > 0) {
      const all = fresh.length < this.results.length ? `。共 ${this.results.length} 条` : '';
      const news =
        freshOpen.length === 0
          ? `医保提醒 ${freshDone} 条${freshDone > 1 ? '均' : ''}已处理`
          : `新增医保提醒 ${freshOpen.length} 条。${severityCounts(freshOpen)}${freshDone > 0 ? `。另有 ${freshDone} 条此前已处理` : ''}`;
      this.announce(`${news}${all}`);
    }
    if (reopened.length > 0) this.announce(`${reopened.length} 条提醒需再次处理。${severityCounts(reopened)}`);
    if (this.results.length === 0 && previousIds.size > 0) this.announce('医保提醒已全部消除');
    this.checkAnswered();
    this.checkComplete();
  }

  /**
   * Shows that an analysis is running (keeps the current warnings visible). While the sidecar is unavailable the
   * notice stays as it is: re-checking after every edit is a quiet retry, not news to announce again.
   */
  showChecking(): void {
    this.checking = true;
    if (this.phase === 'idle') this.panelPhase = 'checking';
    this.render();
  }

  /** The sidecar did not answer: 「暂不可用」 without blocking (fail-open); `detail` goes to the notice's data-detail. */
  showUnavailable(detail = ''): void {
    this.outage.begin(detail);
  }

  clear(): void {
    // What was announced (「新增医保提醒 …」) no longer stands once the panel is empty, e.g. after a refused request.
    this.announcer.withdraw();
    // It empties the panel, not what the doctor did: her answers stay (decisions), so a warning she answered is not new.
    this.rememberAnswered();
    this.results = [];
    this.panelPhase = 'idle';
    this.outage.cleared();
    this.checking = false;
    this.render();
  }

  /** Before the panel is emptied or changed: the warnings answered on it, for a later show() of their encounter. */
  private rememberAnswered(): void {
    for (const result of this.results) if (this.isAnswered(result.jr_id)) this.encounters.rememberAnswered(result);
  }

  /** Moves focus to the first undecided warning (or the first one). Returns false when there is none. */
  focusFirst(): boolean {
    const target = this.results.find((r) => !this.isAnswered(r.jr_id)) ?? this.results[0];
    if (!target) return false;
    this.focusCard(target.jr_id);
    return true;
  }

  /** Marks the host's rows again, e.g. after the host re-rendered its order table. */
  refreshRows(): void {
    this.refreshHighlights();
  }

  get taskId(): string {
    return this.taskIdValue;
  }

  get warnType(): '1' | '2' {
    return this.infno === '3102' ? '2' : '1';
  }

  get currentResults(): readonly JudgeResultDto[] {
    return this.results;
  }

  /** The answers to the warnings shown now, in their order. */
  get decisions(): WarningDecision[] {
    return this.decisionsInOrder().filter((d): d is WarningDecision => d !== undefined);
  }

  /**
   * Whether the HIS may save the prescription as it stands (see saveReadiness for why). The one signal a save button
   * needs: the sidecar unavailable is ready (fail-open), an analysis still running is not.
   */
  get readyToSave(): boolean {
    return this.saveReadiness.ready;
  }

  get saveReadiness(): SaveReadiness {
    return saveReadiness({
      checking: this.checking,
      unavailable: this.outage.unavailable,
      answers: this.decisionsInOrder(),
    });
  }

  /** 3103s waiting for the sidecar. */
  get pendingFeedback(): number {
    return this.sender.pending;
  }

  /**
   * Takes a decision as if the doctor had made it in the UI (for hosts with their own buttons). undefined means
   * accepted (sent or queued), not yet recorded: the sidecar's acknowledgement is `prealert-recorded`.
   */
  decide(jrId: string, disposition: Disposition, reason = ''): string | undefined {
    const card = this.cards.get(jrId);
    if (!card) return `没有该提醒：${jrId}`;
    if (disposition === 'continue') {
      const checked = composeReason(card.result.wf_impact, { text: reason }, this.otherReason, this.confirmReason);
      if (!checked.ok) return checked.message;
      this.record(card, 'continue', checked.reason);
    } else {
      this.record(card, 'modify', '');
    }
    return undefined;
  }

  // ---- rendering ----

  private get reasons(): string[] {
    return splitList(this.getAttribute('reasons')) ?? [...DEFAULT_REASONS];
  }

  private get otherReason(): string {
    return this.getAttribute('other-reason') ?? DEFAULT_OTHER_REASON;
  }

  /** dspo_way_rea of a confirm-only 继续执行 the doctor gave no reason for: `confirm-reason`, else the default. */
  private get confirmReason(): string {
    const configured = this.getAttribute('confirm-reason')?.trim() ?? '';
    // An empty reason is what the spec forbids, and a longer one than a 3103 keeps would be refused.
    return configured !== '' && configured.length <= MAX_REASON_LENGTH ? configured : DEFAULT_CONFIRM_REASON;
  }

  private get hotkey(): string {
    return this.getAttribute('hotkey') ?? 'F8';
  }

  /** The panel's phase as its notice shows it: an outage outranks the rest. */
  private get phase(): Phase {
    return this.outage.unavailable ? 'unavailable' : this.panelPhase;
  }

  private render(): void {
    this.heading.textContent = this.getAttribute('heading') ?? '医保智能提醒';
    renderSeverityBadges(this.counts, this.results, this.ownerDocument);
    renderStatusNotice(this.notice, this.phase, this.results.length);
    this.renderCards();
    this.renderProgress();
    this.refreshHighlights();
  }

  private renderCards(): void {
    const wanted = new Set(this.results.map((r) => r.jr_id));
    for (const [jrId, card] of this.cards) {
      if (!wanted.has(jrId)) {
        card.root.remove();
        this.cards.delete(jrId);
      }
    }
    const lineLabel: LineLabel = (rxId) => this.lineLabel(rxId);
    const lineNumber: LineNumber = (rxId) => {
      const row = this.findRow(rxId);
      return row instanceof HTMLTableRowElement && row.sectionRowIndex >= 0 ? row.sectionRowIndex + 1 : undefined;
    };
    let previous: Element | null = null;
    for (const result of this.results) {
      let card = this.cards.get(result.jr_id);
      if (!card) {
        card = new WarningCard(this.ownerDocument, result);
        this.cards.set(result.jr_id, card);
      }
      const orderLines = this.sentLines.get(result.mdtrt_id) ?? [];
      const orderDays = this.sentDays.get(result.mdtrt_id) ?? new Map<string, LineDay>();
      card.update(result, lineLabel, this.reasons, this.otherReason, lineNumber, orderLines, orderDays);
      this.showAnswer(card);
      const expectedPosition: Element | null = previous ? previous.nextElementSibling : this.list.firstElementChild;
      if (expectedPosition !== card.root) {
        if (previous) previous.after(card.root);
        else this.list.prepend(card.root);
      }
      previous = card.root;
    }
    this.list.hidden = this.results.length === 0;
    this.list.setAttribute('aria-label', `提醒列表，共 ${this.results.length} 条`);
    if (this.activeJrId && !wanted.has(this.activeJrId)) this.activeJrId = undefined;
    this.updateRovingTabIndex();
  }

  private renderHints(confirmAllOffered: boolean): void {
    const text = hintText({
      hotkey: this.hotkey,
      rxIdBoxShown: this.results.some((r) => (this.cards.get(r.jr_id)?.rxIdBoxes().length ?? 0) > 0),
      reasonCount: this.reasons.length,
      confirmAllOffered,
    });
    if (this.hints.textContent !== text) this.hints.textContent = text;
    // Nothing to act on (暂不可用, no warnings): keys that do nothing are not offered.
    this.hints.hidden = this.results.length === 0;
  }

  /** prealert-readiness whenever readyToSave, its reason or a count changes, so the host never polls. */
  private reportReadiness(): void {
    const now = this.saveReadiness;
    if (sameReadiness(this.lastReadiness, now)) return;
    this.lastReadiness = now;
    this.emit('prealert-readiness', now);
  }

  private renderProgress(): void {
    this.reportReadiness();
    this.bulkConfirm.renderConfirmAll();
    this.progress.textContent = progressText(this.results, (jrId) => this.isAnswered(jrId), this.sender.pendingJrIds);
  }

  private updateRovingTabIndex(): void {
    const activeId =
      this.activeJrId ?? this.results.find((r) => !this.isAnswered(r.jr_id))?.jr_id ?? this.results[0]?.jr_id;
    for (const [jrId, card] of this.cards) card.root.tabIndex = jrId === activeId ? 0 : -1;
  }

  /** Said to screen readers with the rest of this change (live-announcer.ts). */
  private announce(text: string): void {
    this.announcer.announce(text);
  }

  // ---- rows ----

  private findRow(rxId: string): Element | null {
    return this.rows.findRow(rxId);
  }

  /** Marks the host's rows for the warnings shown (host-rows.ts) and tells the host which (prealert-highlight). */
  private refreshHighlights(): void {
    const detail = this.rows.refreshHighlights(this.results, this.activeJrId);
    if (detail) this.emit('prealert-highlight', detail);
  }

  // ---- interaction ----

  private cardOf(node: EventTarget | null): WarningCard | undefined {
    if (!(node instanceof Element)) return undefined;
    const root = node.closest('li.card');
    const jrId = root instanceof HTMLElement ? root.dataset.jrId : undefined;
    return jrId ? this.cards.get(jrId) : undefined;
  }

  private onFocusIn(event: FocusEvent): void {
    const card = this.cardOf(event.target);
    if (!card || card.jrId === this.activeJrId) return;
    this.activeJrId = card.jrId;
    this.updateRovingTabIndex();
    this.refreshHighlights();
  }

  private onClick(event: MouseEvent): void {
    const target = event.target instanceof Element ? event.target.closest('button') : null;
    const card = this.cardOf(target);
    if (target === this.confirmAllButton) {
      this.bulkConfirm.confirmAll(this.cards.get(this.activeJrId ?? ''));
      return;
    }
    if (!target || !card) return;
    if (target === card.modifyButton) this.record(card, 'modify', '');
    else if (target === card.continueButton) this.openContinue(card);
    else if (target === card.changeButton) this.reopen(card);
    else if (target.classList.contains('cancel')) this.cancelForm(card);
  }

  private onSubmit(event: Event): void {
    event.preventDefault();
    const card = this.cardOf(event.target);
    if (card) this.submitContinue(card);
  }

  private onKeydown(event: KeyboardEvent): void {
    if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    const card = this.cardOf(event.target);
    if (!card) return;
    handleCardKey(event, card, this.cardKeyActions());
  }

  /** The element's side of its cards' keys (card-keys.ts), bound to it for one key press. */
  private cardKeyActions(): CardKeyActions {
    return {
      results: this.results,
      cards: this.cards,
      isAnswered: (jrId) => this.isAnswered(jrId),
      isReopened: (card) => this.isReopened(card),
      cancelForm: (card) => this.cancelForm(card),
      handFocusBack: () => this.focusReturn.handFocusBack(),
      submitContinue: (card) => this.submitContinue(card),
      reopen: (card) => this.reopen(card),
      openContinue: (card, pickIndex) => this.openContinue(card, pickIndex),
      focusCard: (jrId) => this.focusCard(jrId),
      record: (card, disposition, reason) => this.record(card, disposition, reason),
      confirmAll: (from) => this.bulkConfirm.confirmAll(from),
    };
  }

  private handleHotkey(event: KeyboardEvent): void {
    if (!this.hotkey || event.key !== this.hotkey || event.isComposing) return;
    if (this.results.length === 0) return;
    event.preventDefault();
    this.jumpIn();
  }

  /**
   * The hotkey's move: focus to the first open warning, Esc going back to where the doctor was. `hostOrigin`: the
   * hotkey was forwarded by that parent page, so the doctor was in the HIS page, not in this document (whose
   * activeElement is only what had focus last time the frame had it).
   */
  private jumpIn(hostOrigin?: string): void {
    if (!this.hotkey || this.results.length === 0) return;
    this.focusReturn.rememberOrigin(hostOrigin);
    this.focusFirst();
  }

  private focusCard(jrId: string): void {
    const card = this.cards.get(jrId);
    if (!card) return;
    this.activeJrId = jrId;
    this.updateRovingTabIndex();
    card.root.focus();
    card.root.scrollIntoView?.({ block: 'nearest' });
    this.refreshHighlights();
  }

  private openContinue(card: WarningCard, pickIndex?: number): void {
    if (card.result.wf_impact === 'block') {
      // Said aloud too: the form's error line stays hidden with the form (the card's impact line shows it in sight).
      const why = '此提醒不可继续执行，请返回修改';
      card.showError(why);
      this.announce(why);
      return;
    }
    card.openForm(pickIndex);
    if (pickIndex === undefined) {
      const first = card.form.querySelector<HTMLInputElement>('input[type="radio"]');
      (first ?? card.reasonText).focus();
    }
  }

  /** Cancel after 更改 changes nothing: the card shows the answer it still has, not the buttons to give one. */
  private cancelForm(card: WarningCard): void {
    this.bulkConfirm.formCancelled(card);
    card.closeForm();
    this.showAnswer(card);
    card.root.focus();
  }

  /** The card's answer to the analysis shown, or the hint that a 返回修改 given on an earlier one did not change it. */
  private showAnswer(card: WarningCard): void {
    const answer = this.answerOf(card.result);
    const known = this.decisionsByJr.get(card.jrId);
    card.showDecision(answer, answer === undefined && known?.disposition === 'modify' && known.delivery !== 'rejected');
  }

  /** 更改 was pressed on an answered warning and no new answer given yet. */
  private isReopened(card: WarningCard): boolean {
    return this.isAnswered(card.jrId) && !card.root.classList.contains('decided');
  }

  private reopen(card: WarningCard): void {
    card.root.classList.remove('decided');
    card.resetForm();
    card.root.focus();
  }

  private submitContinue(card: WarningCard): void {
    const checked = composeReason(
      card.result.wf_impact,
      { pick: card.selectedPick(), text: card.reasonText.value },
      this.otherReason,
      this.confirmReason,
    );
    if (!checked.ok) {
      card.showError(checked.message, checked.field);
      card.control(checked.field).focus();
      return;
    }
    this.record(card, 'continue', checked.reason);
    this.bulkConfirm.formSubmitted(card);
  }

  private record(card: WarningCard, disposition: Disposition, reason: string): void {
    if (disposition === 'continue' && card.result.wf_impact === 'block') return;
    const current = this.answerOf(card.result);
    if (
      current &&
      current.delivery !== 'rejected' &&
      current.disposition === disposition &&
      current.reason === reason
    ) {
      // The same answer again (M on a warning already sent back, C + the same reason): the 3103 already sent or
      // queued says it. Only the form closes and 返回修改 takes the doctor to the line again.
      card.closeForm();
      card.showDecision(current);
      if (disposition === 'modify') this.goToLines(card);
      return;
    }
    const decision = this.sendDecision(card.result, disposition, reason);
    // A changed answer is a new 3103: "all answered" and "all recorded" are announced again for it.
    this.announceAnswersAgain();
    card.closeForm();
    card.showDecision(decision);
    this.renderProgress();
    const detail: DecisionEventDetail = { jrId: card.jrId, disposition, reason, result: card.result };
    this.emit('prealert-decision', detail);
    this.announce(disposition === 'continue' ? '已选择继续执行' : '已选择返回修改');

    if (disposition === 'modify' && this.goToLines(card)) {
      this.checkAnswered();
      return;
    }
    if (!this.checkAnswered()) this.focusNextUndecided(card.jrId);
  }

  /**
   * 3103 返回修改 for the warnings an edit of the order resolved before the doctor answered them: otherwise they stay
   * 未反馈 for good and lower the 遵从率, though the doctor did return and modify. They go through the same queue as
   * the doctor's own answers (retried until recorded). One already answered needs nothing: a 返回修改 said so, and a
   * 继续执行 stands.
   */
  private reportResolved(resolved: readonly JudgeResultDto[]): void {
    const unanswered = resolved.filter((result) => {
      const decision = this.decisionsByJr.get(result.jr_id);
      return decision === undefined || decision.delivery === 'rejected';
    });
    if (unanswered.length === 0) return;
    for (const result of unanswered) this.sendDecision(result, 'modify', '');
    const detail: ResolvedEventDetail = { taskId: this.taskIdValue, results: unanswered };
    this.emit('prealert-resolved', detail);
  }

  /**
   * Makes a new answer the warning's current one and queues its 3103, for the doctor's own answers (record) and for
   * those reported after an edit (reportResolved) alike. Callers emit their events after it: no delivery event can
   * come first, as the sender reports delivery only once the 3103 is answered (asynchronously).
   */
  private sendDecision(result: JudgeResultDto, disposition: Disposition, reason: string): TrackedDecision {
    const decision: TrackedDecision = {
      jrId: result.jr_id,
      disposition,
      reason,
      delivery: 'sending',
      at: new Date().toISOString(),
      version: ++this.versions,
      forTask: this.taskOf(result),
      encounter: encounterKey(result) || undefined,
    };
    this.decisionsByJr.set(result.jr_id, decision);
    this.sender.send(
      decisionFeedback(result, decision, {
        warnType: this.warnType,
        sidecar: this.sidecarUrl,
        envelope: this.envelope,
      }),
    );
    return decision;
  }

  /** 返回修改: tells the host, and unless it moves focus itself, focuses the line to change. True when focused. */
  private goToLines(card: WarningCard): boolean {
    const rxIds = card.result.judge_result_detail_dtos.filter((d) => d.vola_item_type !== '2').map((d) => d.rx_id);
    const modify: ModifyEventDetail = { jrId: card.jrId, rxIds, result: card.result };
    const proceed = this.emit('prealert-modify', modify, true);
    if (!proceed || !focusRow(rxIds, (rxId) => this.findRow(rxId))) return false;
    this.focusReturn.forget();
    return true;
  }

  private focusNextUndecided(fromJrId: string): void {
    const index = this.results.findIndex((r) => r.jr_id === fromJrId);
    const ordered = [...this.results.slice(index + 1), ...this.results.slice(0, index + 1)];
    const next = ordered.find((r) => !this.isAnswered(r.jr_id));
    if (next) this.focusCard(next.jr_id);
  }

  /**
   * Lets go of the settled decisions of encounters not among the last ENCOUNTERS_REMEMBERED shown (and of results
   * without one not among the last ENCOUNTERS_REMEMBERED analyses with such), so they are not kept for the whole
   * shift; those of the patients seen last stay, for a doctor who goes back to one (they are only ever shown or
   * reported with their own warnings). Decisions still on their way stay until they settle.
   */
  private forgetOtherEncounters(results: readonly JudgeResultDto[]): void {
    this.encounters.shown(results);
    for (const [jrId, decision] of this.decisionsByJr) {
      const settled = decision.delivery === 'recorded' || decision.delivery === 'rejected';
      if (settled && !this.encounters.keeps(decision.encounter ?? '', jrId)) this.decisionsByJr.delete(jrId);
    }
  }

  /** The analysis a shown warning belongs to. */
  private taskOf(result: JudgeResultDto): string {
    return taskOf(result, this.taskIdValue);
  }

  /** The decision that answers the warning as shown now (tracked-decision.ts). */
  private answerOf(result: JudgeResultDto): TrackedDecision | undefined {
    return answerOf(this.decisionsByJr.get(result.jr_id), result, this.taskIdValue);
  }

  /** The doctor answered the warning and the sidecar did not refuse the answer (it may still be on its way). */
  private isAnswered(jrId: string): boolean {
    const result = this.cards.get(jrId)?.result;
    const decision = result ? this.answerOf(result) : undefined;
    return decision !== undefined && decision.delivery !== 'rejected';
  }

  /** The sidecar acknowledged the answer (3103 infcode 0): only now is it safe to close the page. */
  private isRecorded(jrId: string): boolean {
    const result = this.cards.get(jrId)?.result;
    return (result ? this.answerOf(result) : undefined)?.delivery === 'recorded';
  }

  private decisionsInOrder(): (WarningDecision | undefined)[] {
    return decisionsInOrder(this.results, (r) => this.answerOf(r));
  }

  /** All answered (prealert-answered) and all recorded (prealert-complete) are news again after this change. */
  private announceAnswersAgain(): void {
    this.answeredAnnounced = false;
    this.completeAnnounced = false;
  }

  /** Every warning has an answer: the doctor is done, focus goes back to where F8 came from. */
  private checkAnswered(): boolean {
    if (this.results.length === 0 || !this.results.every((r) => this.isAnswered(r.jr_id))) return false;
    if (this.answeredAnnounced) return true;
    this.answeredAnnounced = true;
    this.emit('prealert-answered', { taskId: this.taskIdValue, decisions: this.decisionsInOrder() });
    // Only while the doctor is in the panel: an analysis that finds everything answered must not pull her out of
    // a field she is typing in. After a forwarded F8 the frame's own focus is what tells, as the HIS page's is not
    // visible from here.
    if (this.shadow.activeElement) this.focusReturn.handFocusBack();
    else this.focusReturn.forget();
    return true;
  }

  /**
   * Every answer is recorded by the sidecar. A host that closes its embedded browser on this event loses
   * nothing; closing on prealert-answered could drop 3103s still in flight or waiting for a retry.
   */
  private checkComplete(): boolean {
    if (this.results.length === 0 || !this.results.every((r) => this.isRecorded(r.jr_id))) return false;
    if (this.completeAnnounced) return true;
    this.completeAnnounced = true;
    this.announce(this.someNotShown ? '已显示的提醒已全部处理并记录' : '全部提醒已处理并记录');
    this.emit('prealert-complete', { taskId: this.taskIdValue, decisions: this.decisionsInOrder() });
    return true;
  }

  /** The sidecar's base URL, as callService reaches it (sidecar-link.ts). */
  private get sidecarUrl(): string {
    return this.link.sidecarUrl;
  }

  /** Takes over the answers an earlier page left undelivered for this sidecar (sidecar-link.ts). */
  private adoptStored(): void {
    this.link.adoptStored();
  }

  private emit(type: string, detail: unknown, cancelable = false): boolean {
    return this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true, cancelable }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'prealert-reminder': PrealertReminderElement;
  }
  // Typed where hosts listen for it, on the element and on the document (it bubbles and is composed).
  interface HTMLElementEventMap {
    'prealert-readiness': CustomEvent<SaveReadiness>;
  }
  interface DocumentEventMap {
    'prealert-readiness': CustomEvent<SaveReadiness>;
  }
}

/** Registers `<prealert-reminder>` once (safe to call from several bundles). */
export function defineReminderElement(tag = REMINDER_TAG): void {
  if (typeof customElements === 'undefined' || customElements.get(tag)) return;
  // The same constructor cannot be registered twice, so other tag names get a subclass.
  customElements.define(tag, tag === REMINDER_TAG ? PrealertReminderElement : class extends PrealertReminderElement {});
}
