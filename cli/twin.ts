// `npm run twin -- <command> …`: the headless engine. Each command lives with its kernels and is
// loaded lazily, so `simulate` never loads the meshing code and vice versa.
const usage = `usage:
  npm run twin -- simulate --scenario FILE [--json]
  npm run twin -- calibrate --bundle FILE [--json]
  npm run twin -- mesh --segmentation FILE [--labels FILE.json] [--reference DIR] --out FILE.glb|FILE.stl
                       [--budget TRIANGLES] [--smoothing ITERATIONS] [--json]
  npm run twin -- replay --mimic3 DIR (--all | --stay ICUSTAY_ID | --patient SUBJECT_ID) [--report FILE.md] [--json]
  npm run twin -- mimic3-fhir --mimic3 DIR --out DIR`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'simulate':
    case 'calibrate': {
      const { runPhysiologyCli } = await import('../workers/physiology/cli');
      return runPhysiologyCli(command, args);
    }
    case 'replay':
    case 'mimic3-fhir': {
      const { runReplayCli } = await import('./replay/cli');
      return runReplayCli(command, args);
    }
    case 'mesh': {
      const { runMeshCli } = await import('../workers/meshing/cli');
      return runMeshCli(args);
    }
    case undefined:
    case '--help':
    case '-h':
      process.stdout.write(`${usage}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`twin: unknown command "${command}".\n${usage}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`twin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
