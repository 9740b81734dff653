import type { OrderDto } from '../envelope/national-types';
import type { Encounter, Line } from './normalized-types';

/**
 * An order line as the evaluator reads it. The fields every encounter-wide check reads on every line are computed
 * once here; the ones only a finding (or a check of a matched point) reads — names, list price, unit, ordering
 * department name, doctor name and title — are read from the order when asked, since most lines of a request match
 * no point and never produce a finding. One class, so every line has the same shape.
 */
export class OrderLine implements Line {
  /** Set by endDayCharges once the encounter's lines are read. */
  executes: Line | undefined = undefined;

  constructor(
    readonly index: number,
    readonly rxId: string,
    readonly rxno: string,
    readonly code: string,
    readonly codeHash: number,
    readonly listType: string,
    readonly qty: number,
    readonly price: number,
    readonly amount: number,
    readonly amountKnown: boolean,
    readonly priceKnown: boolean,
    readonly beginMinutes: number,
    readonly beginDay: number,
    /** Set once more by normalizePatient for an open long-term order of an earlier encounter (endOpenOrders). */
    public lastDay: number,
    readonly stopDated: boolean,
    readonly stopAt: number,
    /** Set by endDayCharges once the encounter's lines are read. */
    public dayCharge: boolean,
    public current: boolean,
    readonly deptCode: string,
    readonly doctorCode: string,
    readonly encounter: Encounter,
    readonly dto: OrderDto,
  ) {}

  /** The same order with less of it left (a reversal took part of it back, netReversals). */
  withQuantity(qty: number, amount: number): OrderLine {
    const reduced = new OrderLine(
      this.index,
      this.rxId,
      this.rxno,
      this.code,
      this.codeHash,
      this.listType,
      qty,
      this.price,
      amount,
      this.amountKnown,
      this.priceKnown,
      this.beginMinutes,
      this.beginDay,
      this.lastDay,
      this.stopDated,
      this.stopAt,
      this.dayCharge,
      this.current,
      this.deptCode,
      this.doctorCode,
      this.encounter,
      this.dto,
    );
    reduced.executes = this.executes;
    return reduced;
  }

  get name(): string {
    const dto = this.dto;
    return dto.hilist_name || dto.hosplist_name || dto.hilist_code || '';
  }

  get listPrice(): number {
    return this.dto.hilist_pric ?? 0;
  }

  get unit(): string {
    return this.dto.spec_unt ?? '';
  }

  get deptName(): string {
    return this.dto.drord_dept_name || this.encounter.deptName;
  }

  get doctorName(): string {
    return this.dto.drord_dr_name ?? '';
  }

  get doctorTitle(): string {
    return this.dto.drord_dr_profttl ?? '';
  }
}
