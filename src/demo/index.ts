export { runDemo, type DemoSummary } from './run-demo.ts';
export { demoMailboxes, campaignMessage, ordinaryMail, reportOf, CAMPAIGN_SUBJECT, CAMPAIGN_SENDER, DEMO_DOMAIN } from './demo-world.ts';
