// Package run runs a program's long-lived loops — runnables — together in
// one group, and stops them in a fixed order.
//
// A runnable is anything with Start(ctx) error that blocks until ctx ends
// (controller-runtime's Runnable). A Group starts its runnables stage by
// stage, from the last stage to the first ([StageBackend] up to
// [StageServe]), waiting before the next stage for the runnables that say
// when they are ready ([Readier]). When the context given to [Group.Run]
// ends, or a runnable fails, it stops them in the opposite order, one stage
// after the other: the API stops accepting requests, then the loops that
// drive the engine stop, then modules drain, then the backends close. Each
// start and stop is logged.
//
// Runnables may be added while the group runs (a module configured later
// gets its reconciler); they start at once if their stage has started.
//
// The package imports nothing of this project.
package run
