/**
 * The static shell of GET /ui/reminder/<task_id>. It holds no task data: the page script reads the task id
 * from its own URL and fetches /v1/tasks/<task_id>, so nothing from the request is ever echoed into HTML.
 */
export const REMINDER_PAGE_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>医保提醒</title>
<style>
  html { background: #eef2f7; }
  body { margin: 0; font: 14px/1.5 system-ui, "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; color: #1f2933; }
  main { max-width: 760px; margin: 0 auto; padding: 12px 16px 24px; }
  header { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
  h1 { font-size: 18px; margin: 0; }
  #task-meta { margin: 0; color: #52606d; font-size: 13px; }
  #page-status { margin: 10px 0 0; padding: 8px 12px; border-radius: 4px; background: #e8f5e9; color: #1b5e20; }
  #page-status[data-kind="error"] { background: #fdecea; color: #b71c1c; }
  #page-status[data-kind="info"] { background: #e3f2fd; color: #0d47a1; }
  #page-unread { margin: 0 0 8px; padding: 8px 12px; border-radius: 4px; background: #fff3e0; color: #8a3b00; border-left: 4px solid #e65100; font-weight: 600; }
  .sr-only { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
  prealert-reminder { --prealert-max-height: calc(100vh - 150px); }
</style>
</head>
<body>
<main>
  <header>
    <h1>医保智能提醒</h1>
    <p id="task-meta"></p>
  </header>
  <p id="page-unread" hidden></p>
  <prealert-reminder hotkey="" heading="请逐条处理以下提醒"></prealert-reminder>
  <p id="page-status" role="status" hidden></p>
  <p id="page-announce" class="sr-only" aria-live="polite"></p>
  <noscript>此页面需要启用 JavaScript。</noscript>
</main>
<script type="module" src="/ui/assets/reminder-page.js"></script>
</body>
</html>
`;
