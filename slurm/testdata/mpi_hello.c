/* mpi_hello: prints "mpi_hello rank R of N on HOST" from every rank; used by
 * the SLURM integration test to check that srun --mpi=pmix starts Open MPI. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv) {
    int provided, rank, size, len;
    char host[MPI_MAX_PROCESSOR_NAME];
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);
    /* a collective proves the ranks talk to each other */
    int sum = 0, one = 1;
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    printf("mpi_hello rank %d of %d on %s sum %d\n", rank, size, host, sum);
    MPI_Finalize();
    return 0;
}
