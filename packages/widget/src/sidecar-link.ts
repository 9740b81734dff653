/**
 * The element's link to its sidecar: the 3103 queue (FeedbackSender) and the /healthz probe of an outage
 * (SidecarProbe), wired to the element's `sidecar` and `feedback-timeout` attributes and its envelope; the answers an
 * earlier page left undelivered, taken over; and the page held open while answers only it holds are unsent. Apart
 * from the element because delivery runs on its own clock (retries, probes), whatever the panel shows.
 */
import { type DeliveryListener, type FeedbackItem, FeedbackSender } from './feedback-sender';
import { DEFAULT_TIMEOUTS_MS, type ServiceCallOptions } from './service-call';
import { SidecarProbe } from './sidecar-probe';
import type { FeedbackEnvelopeFields } from './types';
import { sidecarBase, undeliveredFor } from './undelivered-store';

/** Stored answers this page has taken over (one element per sidecar sends each, however many are on the page). */
const adoptedIds = new Set<string>();

/** What the link reads of the element: its attributes, document and envelope, each time (the host may change them). */
export interface SidecarLinkOwner {
  readonly ownerDocument: Document;
  getAttribute(name: string): string | null;
  readonly envelope: FeedbackEnvelopeFields;
}

/** The element's side: what a delivery or the sidecar's return changes in the panel. */
export interface SidecarLinkHooks {
  onDelivery: DeliveryListener;
  /** The probe found the sidecar answering again. */
  sidecarBack: () => void;
  /** The element's decision version counter (a newer version supersedes a queued older one). */
  nextVersion: () => number;
  renderProgress: () => void;
}

export class SidecarLink {
  readonly sender: FeedbackSender;
  readonly probe: SidecarProbe;
  readonly onBeforeUnload = (event: BeforeUnloadEvent) => {
    // Answers kept in localStorage are sent by the next page; those it could not keep would be lost: ask first.
    if (this.sender.unsaved === 0) return;
    event.preventDefault();
    event.returnValue = ''; // Chromium before 119 asks only when this is set
  };

  constructor(
    private readonly owner: SidecarLinkOwner,
    private readonly hooks: SidecarLinkHooks,
  ) {
    this.sender = new FeedbackSender(
      () => this.callOptions(),
      (item, state, error) => this.hooks.onDelivery(item, state, error),
    );
    this.probe = new SidecarProbe(
      () => this.sidecarUrl,
      () => this.hooks.sidecarBack(),
    );
  }

  /** The sidecar's base URL, as callService reaches it. */
  get sidecarUrl(): string {
    return sidecarBase(this.owner.getAttribute('sidecar') ?? '', this.owner.ownerDocument.baseURI);
  }

  /**
   * Takes over the answers an earlier page (a reload, a closed tab) left undelivered for this sidecar. Each is sent
   * as it was built then, and stays stored until the sidecar answers it.
   */
  adoptStored(): void {
    const items: FeedbackItem[] = [];
    for (const stored of undeliveredFor(this.sidecarUrl)) {
      if (adoptedIds.has(stored.id)) continue;
      adoptedIds.add(stored.id);
      items.push({ ...stored, version: this.hooks.nextVersion(), sidecar: this.sidecarUrl, replayed: true });
    }
    this.sender.adopt(items);
    if (items.length > 0) this.hooks.renderProgress();
  }

  private callOptions(): ServiceCallOptions {
    const timeout = Number(this.owner.getAttribute('feedback-timeout') ?? Number.NaN);
    return {
      sidecar: this.owner.getAttribute('sidecar') ?? '',
      // The shim's and the SDK's 3103 budget: a decision waits no longer here than it would there.
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_TIMEOUTS_MS['3103'],
      envelope: this.owner.envelope,
    };
  }
}
