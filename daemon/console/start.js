"use strict";
LR.start();
