/** Placeholder until the Shoal public API lands. */
throw new Error('Shoal public API not available yet');
