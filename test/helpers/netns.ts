/** The namespace lab moved to product code (src/lab/netns.ts); tests keep importing it from here. */
export * from '../../src/lab/netns.js';
