/**
 * The sidecar's outages as the panel lives them: 「暂不可用」 when it does not answer (showUnavailable), the /healthz
 * probe while it stays away, what each 3103's delivery (recorded, refused, failing and retried) changes, and the
 * sidecar coming back. Apart from the element so that whether the sidecar is away, and what ends that, is decided in
 * one place; the panel itself (its phase before and after, its cards) stays the element's.
 */
import type { FeedbackItem, FeedbackSender } from './feedback-sender';
import type { SidecarProbe } from './sidecar-probe';
import type { TrackedDecision } from './tracked-decision';
import type { DeliveryState } from './types';
import type { WarningCard } from './warning-card';

/** The 3103 queue and the /healthz probe (sidecar-link.ts). */
export interface OutageLink {
  readonly sender: FeedbackSender;
  readonly probe: SidecarProbe;
}

/** What the element lends the outage: its answers and cards, and what an outage may change in its panel. */
export interface SidecarOutageHost {
  isConnected: () => boolean;
  /** The notice whose data-detail keeps the cause of an outage for support staff (only that is written here). */
  notice: HTMLElement;
  decisionsByJr: ReadonlyMap<string, TrackedDecision>;
  cards: ReadonlyMap<string, WarningCard>;
  /** An outage begins: what was announced is withdrawn, and the warnings answered on the panel are remembered. */
  leavePanel: () => void;
  /** The panel shows no warnings, and no analysis is running. */
  emptyPanel: () => void;
  /** The outage is over: the panel is idle again, or checking when an analysis was started meanwhile. */
  resumePanel: () => void;
  render: () => void;
  renderProgress: () => void;
  showAnswer: (card: WarningCard) => void;
  announce: (text: string) => void;
  /** All answered (prealert-answered) and all recorded are news again after this change. */
  announceAnswersAgain: () => void;
  checkComplete: () => boolean;
  emit: (type: string, detail: unknown) => boolean;
}

export class SidecarOutage {
  private away = false;

  constructor(
    private readonly link: OutageLink,
    private readonly host: SidecarOutageHost,
  ) {}

  /** The sidecar did not answer (showUnavailable). */
  get unavailable(): boolean {
    return this.away;
  }

  /**
   * The sidecar did not answer: say so without blocking (fail-open). `detail` (often the browser's English error) is
   * kept in the notice's data-detail for support staff: as its title it became the alert's accessible name, read
   * before the Chinese sentence.
   */
  begin(detail: string): void {
    // What was said before (「全部提醒已处理并记录」, 「新增医保提醒 …」) is no longer true once the service is away,
    // and a screen reader reads the region again when the doctor moves through the panel. The notice's alert says
    // what is true; the region is emptied in the same change, so only that alert is spoken.
    if (!this.away) this.host.leavePanel();
    this.away = true;
    this.host.emptyPanel();
    if (this.host.isConnected()) this.link.probe.start();
    if (detail) this.host.notice.dataset.detail = detail;
    else delete this.host.notice.dataset.detail;
    this.host.render();
  }

  /** An analysis was shown: the sidecar answers, and its next outage is probed from the shortest wait again. */
  analysed(): void {
    this.away = false;
    this.link.probe.stop();
    this.link.probe.reset();
  }

  /** The host emptied the panel (clear()): no outage is shown, nor probed, until it says so again. */
  cleared(): void {
    this.away = false;
    this.link.probe.stop();
  }

  /** The element is back on a page: an outage it still shows is probed again. */
  attached(): void {
    if (this.away) this.link.probe.start();
  }

  /** The element left the page: no probe is left running. */
  detached(): void {
    this.link.probe.stop();
  }

  /**
   * The sidecar answers again (a 3103 answered, or /healthz while unavailable): the 「暂不可用」 notice goes and
   * `prealert-available` tells the host to analyse the current order again, so nothing entered meanwhile is saved
   * unchecked.
   */
  back(): void {
    if (!this.away) return;
    this.link.probe.stop();
    this.away = false;
    this.host.resumePanel();
    this.host.render();
    this.host.announce('医保提醒已恢复');
    this.host.emit('prealert-available', {});
    // Answers waiting for a back-off timer go now.
    this.link.sender.retryNow();
  }

  /** The FeedbackSender's report on one 3103: the answer's card and events follow its delivery. */
  delivery(item: FeedbackItem, state: DeliveryState, error?: string): void {
    // Any answer to a 3103 (recorded, or refused) says the sidecar is back.
    if (state === 'recorded' || state === 'rejected') this.back();
    const decision = this.host.decisionsByJr.get(item.jrId);
    if (!decision || decision.version !== item.version) {
      this.host.renderProgress();
      return;
    }
    decision.delivery = state;
    if (error === undefined) delete decision.deliveryError;
    else decision.deliveryError = error;
    const card = this.host.cards.get(item.jrId);
    if (card) this.host.showAnswer(card);
    this.host.renderProgress();
    if (state === 'recorded') {
      this.host.emit('prealert-recorded', {
        jrId: item.jrId,
        disposition: decision.disposition,
        reason: decision.reason,
      });
      this.host.checkComplete();
    } else if (state === 'rejected' || state === 'queued') {
      this.host.emit('prealert-feedback-error', { jrId: item.jrId, state, error });
      if (state === 'rejected') {
        this.host.announceAnswersAgain();
        this.host.cards.get(item.jrId)?.root.classList.remove('decided');
      }
    }
  }
}
