// Entry point of `npm run deployer`. The engine and UI are built in later issues.
console.error("npm run deployer: not built yet");
process.exit(1);
