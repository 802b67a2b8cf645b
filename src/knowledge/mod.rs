//! Knowledge tables: facts about NVIDIA hardware and software that rules need but that no
//! input states. Every row cites its source; each table has unit tests over its edges.

pub mod arch_toolkits;
pub mod cudnn_compat;
pub mod drivers;
pub mod gpus;
pub mod opencv_support;
pub mod ptx_isa;
