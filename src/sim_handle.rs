//! The one shared handle on the running simulation. Components take a `SimHandle` prop and
//! re-render when its `version` changes (every tick or action bumps it); they only read the
//! sim through `borrow()` and never mutate it — actions go up through callbacks.

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

use quorum_sim::Sim;

#[derive(Clone)]
pub struct SimHandle {
    inner: Rc<RefCell<Sim>>,
    /// Bumped on every change; equality compares it, so Yew re-renders exactly then.
    pub version: u64,
}

impl PartialEq for SimHandle {
    fn eq(&self, other: &SimHandle) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner) && self.version == other.version
    }
}

impl SimHandle {
    pub fn new(sim: Sim) -> SimHandle {
        SimHandle {
            inner: Rc::new(RefCell::new(sim)),
            version: 0,
        }
    }

    pub fn borrow(&self) -> Ref<'_, Sim> {
        self.inner.borrow()
    }

    /// For the owner of the drill (the ticker and the action dispatcher) only.
    pub fn borrow_mut(&self) -> RefMut<'_, Sim> {
        self.inner.borrow_mut()
    }

    /// The same sim, marked changed.
    pub fn bumped(&self) -> SimHandle {
        SimHandle {
            inner: self.inner.clone(),
            version: self.version + 1,
        }
    }
}
