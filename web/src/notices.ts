import { byId, h } from './dom.js';

/** Shows a message for a while (errors stay until dismissed). */
export function showNotice(level: 'info' | 'error', message: string): void {
  const close = h('button', { class: 'notice-close', 'aria-label': 'Dismiss' }, '×');
  const notice = h(
    'div',
    { class: `notice notice-${level}`, role: level === 'error' ? 'alert' : 'status' },
    h('span', {}, message),
    close,
  );
  close.addEventListener('click', () => notice.remove());
  byId('notices').append(notice);
  if (level === 'info') setTimeout(() => notice.remove(), 8_000);
}
