// Tiny DOM builder: every string child becomes a text node, so user content is never parsed as
// HTML. The one exception is `serverHtml`, for the comment bodies and text posts the server has
// already rendered from Markdown and sanitised.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2).toLowerCase(), value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Replaces everything inside `parent`. */
export function fill(parent, ...children) {
  parent.replaceChildren(...children.flat().filter(Boolean));
  return parent;
}

/** A message that replaces the page's content, e.g. "Post not found". */
export function pageMessage(title, text, link) {
  return el('section', { className: 'notice' },
    el('h1', { text: title }),
    text ? el('p', { text }) : null,
    link ? el('p', {}, el('a', { href: link.href, text: link.text })) : null);
}

/**
 * A comment's `comment_html` or a text post's `text_html` as a fragment ready to insert. The
 * server rendered it from Markdown and sanitised it (DESIGN.md sections 12 and 21); this is the
 * only place in the frontend that parses HTML, and those two are the only things passed to it.
 * A <template> parses inertly: nothing in it runs or loads until inserted.
 */
export function serverHtml(html) {
  const template = document.createElement('template');
  template.innerHTML = html;
  return template.content;
}

/**
 * Prev / "Page N of M" / Next, each page's URL from `hrefFor(n)`; null when there is only the one
 * page and the reader is on it.
 */
export function pager({ page, total, perPage, hrefFor, label = 'Pages' }) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1 && page <= 1) return null;
  return el('nav', { className: 'pager', 'aria-label': label },
    page > 1 ? el('a', { className: 'button', rel: 'prev', href: hrefFor(page - 1), text: 'Prev' }) : null,
    el('span', { className: 'page-number', text: `Page ${page} of ${pages}` }),
    page < pages ? el('a', { className: 'button', rel: 'next', href: hrefFor(page + 1), text: 'Next' }) : null);
}
