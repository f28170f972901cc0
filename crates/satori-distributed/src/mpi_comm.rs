//! [`Mpi`]: the [`Collective`] of an MPI job (rsmpi over Open MPI), for processes started by
//! `mpirun`, Slurm's `srun` or the Kubernetes MPI Operator.

use mpi::collective::SystemOperation;
use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, CommunicatorCollectives};
use satori_core::collective::Collective;
use satori_core::{Error, Result};

/// The world communicator of this MPI job; MPI is finalised when it is dropped.
pub struct Mpi {
    world: SimpleCommunicator,
    // Dropped last: finalises MPI.
    _universe: Universe,
}

impl std::fmt::Debug for Mpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mpi(rank {} of {})", self.rank(), self.size())
    }
}

impl Mpi {
    /// Initialise MPI (once per process). Collectives are called from the main thread only
    /// (rayon's workers never call them), so MPI's single-threaded level suffices.
    pub fn init() -> Result<Mpi> {
        let universe = mpi::initialize()
            .ok_or_else(|| Error::Internal("MPI was already initialised in this process".into()))?;
        let world = universe.world();
        Ok(Mpi {
            world,
            _universe: universe,
        })
    }
}

impl Collective for Mpi {
    fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    fn size(&self) -> usize {
        self.world.size() as usize
    }

    fn allgather_bytes(&self, local: &[u8]) -> Result<Vec<Vec<u8>>> {
        let size = self.size();
        // Every message carries one leading byte, so no rank passes MPI an empty buffer (Open
        // MPI refuses the dangling pointer of an empty Rust slice as an argument).
        let mut msg = Vec::with_capacity(local.len() + 1);
        msg.push(0u8);
        msg.extend_from_slice(local);
        let len = i32::try_from(msg.len()).map_err(|_| {
            Error::InvalidData(format!(
                "a rank's message of {} bytes is over MPI's 2 GiB limit",
                local.len()
            ))
        })?;
        let mut lens = vec![0i32; size];
        self.world.all_gather_into(&len, &mut lens[..]);
        let mut displs = Vec::with_capacity(size);
        let mut total: i64 = 0;
        for &l in &lens {
            displs.push(i32::try_from(total).map_err(|_| {
                Error::InvalidData("the ranks' messages are over MPI's 2 GiB limit".into())
            })?);
            total += i64::from(l);
        }
        let mut buf = vec![0u8; total as usize];
        {
            let mut part = PartitionMut::new(&mut buf[..], &lens[..], &displs[..]);
            self.world.all_gather_varcount_into(&msg[..], &mut part);
        }
        Ok(lens
            .iter()
            .zip(&displs)
            .map(|(&l, &d)| buf[d as usize + 1..(d + l) as usize].to_vec())
            .collect())
    }

    fn allreduce_sum(&self, buf: &mut [f64]) -> Result<()> {
        let send = buf.to_vec();
        self.world
            .all_reduce_into(&send[..], buf, SystemOperation::sum());
        Ok(())
    }

    fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }

    fn allreduce_max(&self, buf: &mut [f64]) -> Result<()> {
        let send = buf.to_vec();
        self.world
            .all_reduce_into(&send[..], buf, SystemOperation::max());
        Ok(())
    }
}
