//! The EC2-style console the trainee operates: instances, images, and their dialogs.

pub mod dialogs;
pub mod ec2;

pub use ec2::Ec2Console;
