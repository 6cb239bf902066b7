"""The Autonomys protocol stack: what the network does, in pure Python on top of `accel`."""
