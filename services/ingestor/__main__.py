import sys

from services.ingestor.main import main

sys.exit(main(sys.argv[1:]))
