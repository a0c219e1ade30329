// Placeholder for a root script whose feature is not built yet: fail loudly, never a silent success.
console.error(`npm run ${process.argv[2] ?? "?"}: not built yet`);
process.exit(1);
