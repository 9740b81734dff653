/**
 * dspo_way_rea of a 继续执行 on a warning that asks only for a confirmation (`confirm`, `notice`) when the doctor gives
 * no reason of her own: the spec wants a reason for every dspo_way 1, a platform may refuse an empty one, and the
 * 医保办 reads it (warn_dspo_way_dscr) as what happened. The widget sends it; the sidecar, which offers an earlier
 * visit's reason for reuse (prior_visit_rea), knows by it that no reason was typed. Here because both import core.
 */
export const DEFAULT_CONFIRM_REASON = '已阅知，确认继续';
