//! The one shared handle on the running simulation. Components take a `SimHandle` prop and
//! re-render when its `version` changes (every tick or action bumps it); they only read the
//! sim through `borrow()` and never mutate it — actions go up through callbacks.

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

use quorum_sim::Sim;

/// Whose sim it is: the drill's own, or (a team drill, boards bundle) the one a room's
/// `lockstep::Follower` runs from the room's log, which only the follower advances.
#[derive(Clone)]
enum Inner {
    Own(Rc<RefCell<Sim>>),
    #[cfg(feature = "boards")]
    Follower(Rc<RefCell<quorum_proto::lockstep::Follower>>),
}

#[derive(Clone)]
pub struct SimHandle {
    inner: Inner,
    /// Bumped on every change; equality compares it, so Yew re-renders exactly then.
    pub version: u64,
}

impl PartialEq for SimHandle {
    fn eq(&self, other: &SimHandle) -> bool {
        let same = match (&self.inner, &other.inner) {
            (Inner::Own(a), Inner::Own(b)) => Rc::ptr_eq(a, b),
            #[cfg(feature = "boards")]
            (Inner::Follower(a), Inner::Follower(b)) => Rc::ptr_eq(a, b),
            #[cfg(feature = "boards")]
            _ => false,
        };
        same && self.version == other.version
    }
}

impl SimHandle {
    pub fn new(sim: Sim) -> SimHandle {
        SimHandle {
            inner: Inner::Own(Rc::new(RefCell::new(sim))),
            version: 0,
        }
    }

    /// A view of a team drill's sim, as its follower has run it; `version` names how far.
    #[cfg(feature = "boards")]
    pub fn following(
        follower: Rc<RefCell<quorum_proto::lockstep::Follower>>,
        version: u64,
    ) -> SimHandle {
        SimHandle {
            inner: Inner::Follower(follower),
            version,
        }
    }

    pub fn borrow(&self) -> Ref<'_, Sim> {
        match &self.inner {
            Inner::Own(sim) => sim.borrow(),
            #[cfg(feature = "boards")]
            Inner::Follower(f) => Ref::map(f.borrow(), |f| f.sim()),
        }
    }

    /// For the owner of the drill (the ticker and the action dispatcher) only. A team
    /// drill's sim has no such owner here: only its follower runs it.
    pub fn borrow_mut(&self) -> RefMut<'_, Sim> {
        match &self.inner {
            Inner::Own(sim) => sim.borrow_mut(),
            #[cfg(feature = "boards")]
            Inner::Follower(_) => panic!("a team drill's sim is run by its lockstep follower"),
        }
    }

    /// The same sim, marked changed.
    pub fn bumped(&self) -> SimHandle {
        SimHandle {
            inner: self.inner.clone(),
            version: self.version + 1,
        }
    }
}
