import type { FailureReason } from './service-call';
import type { WorkflowImpact } from './types';

export const SEVERITY_LABELS: Readonly<Record<'1' | '2' | '3', string>> = {
  '1': '明确违规',
  '2': '高度可疑',
  '3': '轻度可疑',
};

export const IMPACT_HINTS: Readonly<Record<WorkflowImpact, string>> = {
  notice: '仅提示',
  confirm: '继续执行需确认',
  reason: '继续执行须选择或填写理由',
  block: '不可继续执行，请返回修改',
};

export const DEFAULT_REASONS: readonly string[] = ['临床必需', '已知情同意', '诊断已补充', '其他'];

/** The quick-pick that means "none of these": it needs free text. */
export const DEFAULT_OTHER_REASON = '其他';

// The SDK's, bundled: '' for no amount (NaN, or 0: nothing at stake), so the card and a HIS's own card agree.
export { formatAmount } from '@prealert/client/read-result';

/** Why the sidecar gave no usable answer, as the doctor reads it. */
export const FAILURE_LABELS: Readonly<Record<FailureReason, string>> = {
  sidecar_unreachable: '无法连接本机医保提醒服务',
  origin_refused: '本机医保提醒服务未允许本页面地址，请信息科将其加入 PREALERT_CORS_ORIGINS',
  sidecar_timeout: '本机医保提醒服务无应答',
  bad_response: '本机医保提醒服务应答异常',
  sidecar_error: '本机医保提醒服务暂时出错',
};
