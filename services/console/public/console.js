// Progressive enhancement only: every page works without this file (docs/console.md, "Pages").
import { initAll } from '/assets/govuk-frontend.min.js';

initAll();

// A statement whose payment is on its way: follow its progress and reload the page when it moves on
// (without JavaScript the page has a "Check progress" link instead).
const progress = document.querySelector('[data-progress-url]');
if (progress) {
  const url = progress.getAttribute('data-progress-url');
  const shown = progress.getAttribute('data-progress-state');
  const check = async () => {
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (res.ok) {
        const body = await res.json();
        if (body.progress !== shown) {
          window.location.reload();
          return;
        }
      }
    } catch {
      // The next check tries again.
    }
    window.setTimeout(check, 2000);
  };
  window.setTimeout(check, 2000);
}
