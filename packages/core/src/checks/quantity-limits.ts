/**
 * The quantity-limit checks (药品/医疗服务项目限支付疗程, 限定频次, 周期超频次), one module each; the registry takes them
 * from here. What they share is in excess-counting.ts.
 */
export { checkMaxPayDays } from './max-pay-days';
export { checkMaxQtyPerNDays } from './max-qty-per-n-days';
export { checkMaxQtyPerPeriod } from './max-qty-per-period';
