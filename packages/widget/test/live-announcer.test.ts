import { describe, expect, it } from 'vitest';
import { LiveAnnouncer } from '../src/live-announcer';

/** A live region as the announcer uses it (textContent only), recording every write: each write is heard. */
class RecordedRegion {
  readonly writes: string[] = [];
  private text = '';

  get textContent(): string {
    return this.text;
  }

  set textContent(text: string) {
    this.writes.push(text);
    this.text = text;
  }
}

function announcerOn(region: RecordedRegion): LiveAnnouncer {
  // The announcer reads and writes nothing of the region but textContent.
  return new LiveAnnouncer(region as unknown as HTMLElement);
}

/** Lets queued microtasks (the announcer's end of a change) run. */
const tickOver = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('LiveAnnouncer', () => {
  it('says the sentences of one tick together, in one write, after the tick', async () => {
    const region = new RecordedRegion();
    const announcer = announcerOn(region);
    announcer.announce('2 条提醒需再次处理。');
    announcer.announce('全部提醒已处理并记录');
    expect(region.writes).toEqual([]);
    await tickOver();
    expect(region.writes).toEqual(['2 条提醒需再次处理。 全部提醒已处理并记录']);
    announcer.announce('全部提醒已处理并记录');
    await tickOver();
    // A later change is its own write, said again though the same.
    expect(region.writes).toEqual(['2 条提醒需再次处理。 全部提醒已处理并记录', '全部提醒已处理并记录']);
  });

  it('withdraw empties the region and drops the sentences still pending', async () => {
    const region = new RecordedRegion();
    const announcer = announcerOn(region);
    announcer.announce('已选择继续执行');
    await tickOver();
    announcer.announce('全部提醒已处理并记录');
    announcer.withdraw();
    expect(region.textContent).toBe('');
    await tickOver();
    expect(region.writes).toEqual(['已选择继续执行', '']);
    // An empty region is not written again: that would be one more update for nothing.
    announcer.withdraw();
    expect(region.writes).toEqual(['已选择继续执行', '']);
  });

  it('announce, withdraw, announce in one tick writes once: the last sentence', async () => {
    const region = new RecordedRegion();
    const announcer = announcerOn(region);
    announcer.announce('已选择继续执行');
    announcer.withdraw();
    announcer.announce('医保提醒已恢复');
    await tickOver();
    expect(region.writes).toEqual(['医保提醒已恢复']);
  });
});
