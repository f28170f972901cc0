//! # satori-distributed
//!
//! Data-parallel satori on MPI. Model crates train through the small
//! [`satori_core::collective::Collective`] trait; this crate provides what a job around them
//! needs: the MPI communicator ([`mpi_comm::Mpi`], cargo feature `mpi`), each rank's shard of
//! the data and one schema for all ranks ([`shard`]), and launcher detection ([`launched_by_mpi`]).
//! `docs/distributed.md` is the user guide.

pub mod shard;

#[cfg(feature = "mpi")]
pub mod mpi_comm;

/// Environment variables that MPI launchers set in every process they start (Open MPI's
/// `mpirun`, PMI and PMIx launchers such as Slurm's `srun` and MPICH's Hydra).
pub const LAUNCHER_VARIABLES: &[&str] =
    &["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"];

/// Whether this process was started by an MPI launcher.
pub fn launched_by_mpi() -> bool {
    LAUNCHER_VARIABLES
        .iter()
        .any(|v| std::env::var_os(v).is_some())
}

/// Whether this binary was built with the MPI communicator.
pub const WITH_MPI: bool = cfg!(feature = "mpi");

/// The communicator of this process's job: MPI's world when built with the `mpi` feature and
/// started by a launcher; otherwise a clear error saying how to launch or build.
pub fn world() -> satori_core::Result<Box<dyn satori_core::collective::Collective>> {
    if !WITH_MPI {
        return Err(satori_core::Error::param(
            "--distributed",
            "this satori was built without MPI: build it with \
             `cargo build --release -p satori-cli --features distributed` (needs Open MPI's \
             development files and libclang: apt install libopenmpi-dev openmpi-bin libclang-dev)",
        ));
    }
    if !launched_by_mpi() {
        return Err(satori_core::Error::param(
            "--distributed",
            "needs an MPI launcher to start the ranks: `mpirun -np 4 satori train DATA --target Y \
             --distributed …` (or `srun` under Slurm); see docs/distributed.md",
        ));
    }
    mpi_world()
}

#[cfg(feature = "mpi")]
fn mpi_world() -> satori_core::Result<Box<dyn satori_core::collective::Collective>> {
    Ok(Box::new(mpi_comm::Mpi::init()?))
}

#[cfg(not(feature = "mpi"))]
fn mpi_world() -> satori_core::Result<Box<dyn satori_core::collective::Collective>> {
    Err(satori_core::Error::Internal("built without MPI".into()))
}
