// Pure helpers for comment threads: the API sends a post's comments flat, in display order
// (depth-first, siblings oldest first), each with its `parent_id` and `depth`. Unit-tested.

/** The deepest a comment can be: replies to a comment this deep are refused. */
export const MAX_DEPTH = 8;

/**
 * The flat list as a tree of `{comment, replies}`, order kept. A comment whose parent is not
 * in the list is shown at top level rather than lost.
 */
export function nestComments(comments) {
  const nodes = new Map();
  const top = [];
  for (const comment of comments) {
    const node = { comment, replies: [] };
    nodes.set(comment.id, node);
    const parent = comment.parent_id === null ? undefined : nodes.get(comment.parent_id);
    (parent ? parent.replies : top).push(node);
  }
  return top;
}

/** The class that sets a comment's indentation: `depth-0` … `depth-8`. */
export function depthClass(depth) {
  const level = Number.isInteger(depth) ? Math.min(Math.max(depth, 0), MAX_DEPTH) : 0;
  return `depth-${level}`;
}

/**
 * Whether a comment takes replies: not a deleted placeholder, not removed by a moderator (only
 * moderators see those), and not already as deep as allowed.
 */
export function canReply(comment) {
  return !comment.deleted && !comment.removed && comment.depth < MAX_DEPTH;
}

/** Whether the reader wrote this comment (and so may edit and delete it). */
export function isOwn(comment, session) {
  return Boolean(session && session.logged_in && comment.author && comment.author.id === session.user.id);
}
