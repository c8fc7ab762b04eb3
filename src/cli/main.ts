/** The kwhub command. */
import { Command } from 'commander';
import { registerApply } from './apply.js';
import { registerDeveloper } from './developer.js';
import { registerServe } from './serve.js';
import { registerImport } from './import.js';
import { registerDemo } from './demo.js';
import { registerStart } from './start.js';
import { registerGatewaySim } from './gateway-sim.js';
import { registerCopy } from './copy.js';
import { registerExport } from './export.js';
import { registerBill } from './bill.js';
import { registerBillPreview } from './bill-preview.js';
import { registerResident } from './resident.js';
import { registerTrust } from './trust.js';
import { registerGateway } from './gateway.js';
import { registerMeterSim } from './meter-sim.js';
import { registerMigrate } from './migrate.js';

const program = new Command('kwhub')
  .description('kWhub: metering data for solar self-consumption communities, served as the Climkit Developer API')
  .showHelpAfterError();

registerStart(program);
registerServe(program);
registerDemo(program);
registerApply(program);
registerDeveloper(program);
registerImport(program);
registerGatewaySim(program);
registerCopy(program);
registerExport(program);
registerBillPreview(program);
registerBill(program);
registerResident(program);
registerTrust(program);
registerGateway(program);
registerMeterSim(program);
registerMigrate(program);

await program.parseAsync(process.argv);
