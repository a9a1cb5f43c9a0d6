/**
 * @file dlnet_mpi.h
 * libdlnet_mpi - the MPI companion of libdlnet (docs/distributed.md).
 *
 * A data set sharded across the ranks of a communicator is summarized on
 * each rank (dln_loss_create_data(), dln_loss_add_samples(), ...), then one
 * collective reduces the per-rank summaries into the loss of all the
 * samples, on every rank. After that single reduction, values, gradients,
 * HVPs, eigensolvers, optimizers and the landscape analysis are local: no
 * communication per iteration. Build and link with `pkg-config dlnet_mpi`.
 * Only functions of the public dlnet.h are used; the core library never
 * needs MPI.
 */
#ifndef DLNET_MPI_H
#define DLNET_MPI_H

#include <dlnet.h>
#include <mpi.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Collective over @p comm: every rank passes its local data loss (same d_0
 * and d_L on all ranks, at least one sample each) and receives in *out a
 * new loss holding the summary of the samples of all ranks, in the
 * weighting of its own @p local (sum or mean over all samples), without l2
 * coefficients (set them on the result).
 *
 * The summaries are merged (dln_loss_merge()) along a fixed binomial tree in
 * rank order (rank r takes in rank r + 2^k at step k), and rank 0's result
 * is broadcast in the encoding of dln_loss_encode(): every rank gets the
 * same bits, and the same rank count gives the same bits on every run. Other
 * rank counts and one-process summaries agree to QR rounding (about 1e-15
 * relative, docs/distributed.md). Cost: ceil(log2 P) steps of one message of
 * 52 + 4 (d_0 + d_L)(d_0 + d_L + 1) bytes and one O((d_0 + d_L)^3) merge,
 * then one broadcast of that size; nothing depends on the sample counts.
 *
 * Every rank returns the same status; *out is unchanged on failure on every rank.
 * @return ::DLN_E_NULL (local or out NULL on some rank), ::DLN_E_UNSUPPORTED
 *         (a target loss on some rank), ::DLN_E_DIM (d_0 or d_L differ
 *         between ranks), ::DLN_E_OVERFLOW (total sample count), ::DLN_E_NOMEM,
 *         ::DLN_E_LAPACK, ::DLN_E_IO (an MPI call failed).
 */
dln_status dln_mpi_allreduce_summary(const dln_loss *local, MPI_Comm comm, dln_loss **out);

#ifdef __cplusplus
}
#endif
#endif /* DLNET_MPI_H */
