/**
 * Many machines on one study: {@link dev.tuna.worker.cluster.ClusterNode}, our facade over Quartz's clustered JDBC
 * job store on PostgreSQL. Each trial is a Quartz job in the shared database; whichever node has a free slot
 * claims it; a job whose node died is recovered by another node (Quartz's cluster check-in), which fails the lost
 * trial and retries it. Nodes find studies through {@link dev.tuna.worker.cluster.ClusterStudies}; the trials
 * themselves take the study's one code path ({@code study.optimize}), on the shared storage.
 */
package dev.tuna.worker.cluster;
