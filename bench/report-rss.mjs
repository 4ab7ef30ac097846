// Preloaded (node --import) into a command a benchmark runs: prints the
// process's peak RSS as the last line of stderr when it exits.
process.on('exit', () => {
  process.stderr.write(`\nbench-peak-rss-mb=${(process.resourceUsage().maxRSS / 1024).toFixed(1)}\n`);
});
